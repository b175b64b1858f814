-- Record one version of a cost-ledger file; returns its cost_file_id.
insert into cost_files (path, content_sha256, format, size_bytes, records, lines_loaded, lines_rejected,
    lines_replaced, ignored_columns, loaded_at)
values ($path, $sha, $format, $size_bytes, $records, $loaded, $rejected, $replaced, $ignored, current_timestamp)
returning cost_file_id
