-- grain: one row per run of batch $batch of the compute queue (compute_queue.sql, which
-- holds the run's columns in batch order), by run_id.
with

queue as (
    select * from compute_queue where batch = $batch
),

final as (
    select * exclude (batch, has_footprint) from queue
)

select * from final order by run_id
