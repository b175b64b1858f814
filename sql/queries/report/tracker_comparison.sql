-- grain: one row per source format whose runs carry a tracker's own CO2e figure (CodeCarbon):
-- the tracker's total beside wattledger's recomputation with its own factors.
with

scoped as (
    select * from wl_period_footprints($period_start, $period_end)
),

final as (
    select
        source_format,
        count(*) as runs,
        sum(tracker_co2e_kg) / 1000.0 as tracker_co2e_t,
        sum(co2e_t) as co2e_t,
        sum(co2e_market_t) as co2e_market_t
    from scoped
    where tracker_co2e_kg is not null
    group by all
)

select * from final order by source_format
