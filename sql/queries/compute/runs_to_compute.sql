-- grain: one row per run of batch $batch of the compute queue (compute_queue.sql, which
-- holds the run's columns in batch order). No ORDER BY: the queue is stored in (batch,
-- run_id) order and a filtered scan keeps it; compute checks the order (and sorts only if
-- the rows did not come back by run_id), which is cheaper than a sort here.
with

queue as (
    select * from compute_queue where batch = $batch
),

final as (
    select * exclude (batch, has_footprint) from queue
)

select * from final
