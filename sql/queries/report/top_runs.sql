-- grain: one row per run, the $limit runs of the period with the most CO2e.
with

scoped as (
    select * from wl_period_footprints($period_start, $period_end)
),

final as (
    select * from wl_top_runs(scoped, $limit)
)

select * from final
