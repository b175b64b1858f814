-- Time windows whose runs' neighbours must be re-checked by the next compute.
--
-- Telemetry is attributed to a run only when no other run shares one of its hosts at an
-- overlapping time (docs/time_resolved.md, "Attribution"). So a run's footprint depends on
-- its neighbours: when a run with hosts is removed (its file replaced), the runs that
-- overlapped it may now be measured. The store records the removed run's window here, in
-- the same transaction; the next compute re-checks every run with hosts that overlaps a
-- recorded window (and every new run's window), then empties the table.

-- grain: one row per removed run with hosts and times
create table compute_rechecks (
    started_at timestamptz not null,
    ended_at timestamptz not null,
    noted_at timestamptz not null default current_timestamp
);
