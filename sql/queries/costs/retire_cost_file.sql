-- The earlier version ($old) of a changed cost-ledger file, replaced by $new: its lines go (the
-- new version's replace them), its row stays with who replaced it and when.
delete from cost_lines where cost_file_id = $old;
update cost_files set replaced_by_cost_file_id = $new, replaced_at = current_timestamp where cost_file_id = $old;
