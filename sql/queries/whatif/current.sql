-- grain: one row: whether the what-if rows of window $window_hours can be up to date with the
-- footprints without a scan run by run: as many rows as footprints, none older than the newest
-- footprint (a compute cut off between writing footprints and refreshing the what-if fails this).
with

footprints as (
    select count(*) as runs, max(computed_at) as newest from footprint_values
),

whatif as (
    select count(*) as runs, min(computed_at) as oldest from whatif_results where window_hours = $window_hours
),

final as (
    select
        whatif.runs = footprints.runs
        and (footprints.runs = 0 or whatif.oldest >= footprints.newest) as is_current
    from footprints, whatif
)

select * from final
