-- grain: one row per file of the database that an output (--out) must never replace: the
-- database file, its write-ahead log, every input file recorded in source_files and the site
-- file of the datacenters (none for an in-memory database).
select path, 'the database' as what
from duckdb_databases()
where database_name = current_database() and path is not null
union all
select path || '.wal' as path, 'the database''s write-ahead log' as what
from duckdb_databases()
where database_name = current_database() and path is not null
union all
select distinct path, 'an input file of the database' as what
from source_files
union all
select distinct site_file_path as path, 'the site file of the database' as what
from datacenters
