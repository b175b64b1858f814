-- The current (not replaced) version of a cost-ledger file with this content ($sha) or path
-- ($path): same content first (loading it again adds nothing), then same path (a changed file).
select cost_file_id, path, content_sha256, content_sha256 = $sha as same_content, lines_loaded, lines_rejected
from cost_files
where replaced_by_cost_file_id is null and (content_sha256 = $sha or path = $path)
order by same_content desc, cost_file_id
