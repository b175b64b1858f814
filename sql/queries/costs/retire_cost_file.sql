-- The earlier version ($old) of a changed cost-ledger file, replaced by $new: its row stays with
-- who replaced it and when; its lines go (delete_replaced_lines.sql, run right after, in the
-- same transaction: the new version's lines replace them).
update cost_files set replaced_by_cost_file_id = $new, replaced_at = current_timestamp where cost_file_id = $old
