-- grain: one row: the least CO2e (t, and kg) of the $candidates footprints with the most CO2e
-- (null when there is none), and how many footprints there are: the cut of
-- top_runs_from_candidates.sql.
with

top as (
    select co2e_kg
    from footprint_values
    order by co2e_kg desc
    limit $candidates
),

final as (
    select
        min(co2e_kg) as cut_kg,
        wl_kg_to_t(min(co2e_kg)) as cut_t,
        (select count(*) from footprint_values) as footprints
    from top
)

select * from final
