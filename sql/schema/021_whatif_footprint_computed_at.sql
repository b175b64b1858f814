-- Each what-if row names the footprint it was computed from (issue 20): the footprint's
-- computed_at. Compute writes the default window's rows in the same transaction as the
-- footprints (one timestamp for both), and whether a window is current is then one comparison
-- of two aggregates (sql/queries/whatif/state.sql) instead of a scan run by run. Rows of
-- earlier versions have none: they count as behind their footprint and are recomputed once.

alter table whatif_results add column footprint_computed_at timestamptz;
