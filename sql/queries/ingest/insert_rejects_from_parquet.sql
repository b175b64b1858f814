-- A large set of rejects, staged in a Parquet file (wattledger/store/staging.py): rows scanned
-- from a file are written out by DuckDB before commit; rows from an Arrow frame stay in memory.
-- $1: the source file; $2: the staged file.
insert into rejects (source_file_id, line, column_name, value, reason, detail)
select $1, line, column_name, value, reason, detail from read_parquet($2)
