-- grain: one row per budget (table budgets) and period (calendar month or year, UTC) from the
-- first period with spending up to the period of `data_as_of`: what was spent, the budget, the
-- share, and the projected end-of-period figure at the current rate (docs/costs.md).
--   spending: runs by started_at (co2e_t, energy_mwh from run_footprints; cost from
--   project_cost_lines in the budget's currency only); a project's budget also counts its
--   ledger lines (by date); a team's counts runs only (ledger lines name no team).
--   data_as_of: the latest run end (or start) or ledger date in the database, not the clock, so
--   a status is reproducible; elapsed_share = the part of the period before data_as_of.
--   projected = spent / elapsed_share (the rate so far, kept to the end of the period).
create or replace view budget_status as
with

as_of as (
    select greatest(
        (select max(coalesce(ended_at, started_at)) from runs),
        (select max(l.cost_date)::timestamptz from cost_lines l)
    ) as data_as_of
),

-- only the teams and projects that have a budget: the rest is never read (and would be every
-- run of the database, materialised: seconds at 10 M runs, issue 20)
run_spending as (
    select 'team' as scope, team as name, started_at as at, co2e_t, energy_mwh
    from run_footprints where team is not null and started_at is not null
        and team in (select name from budgets where scope = 'team')
    union all
    select 'project', project, started_at, co2e_t, energy_mwh
    from run_footprints where project is not null and started_at is not null
        and project in (select name from budgets where scope = 'project')
),

money_spending as (
    select 'team' as scope, team as name, item_date::timestamptz as at, currency, amount
    from project_cost_lines where team is not null and item_date is not null
        and team in (select name from budgets where scope = 'team')
    union all
    select 'project', project, item_date::timestamptz, currency, amount
    from project_cost_lines where project is not null and item_date is not null
        and project in (select name from budgets where scope = 'project')
),

periods as (
    select distinct b.budget_id, date_trunc(b.period, s.at) as period_start
    from budgets b join run_spending s on s.scope = b.scope and s.name = b.name
    union
    select distinct b.budget_id, date_trunc(b.period, m.at)
    from budgets b join money_spending m on m.scope = b.scope and m.name = b.name
    union
    select b.budget_id, date_trunc(b.period, as_of.data_as_of)
    from budgets b cross join as_of where as_of.data_as_of is not null
),

spent as (
    select
        p.budget_id,
        p.period_start,
        case b.figure
            when 'co2e_t' then (select coalesce(sum(s.co2e_t), 0) from run_spending s
                                where s.scope = b.scope and s.name = b.name and date_trunc(b.period, s.at) = p.period_start)
            when 'energy_mwh' then (select coalesce(sum(s.energy_mwh), 0) from run_spending s
                                    where s.scope = b.scope and s.name = b.name and date_trunc(b.period, s.at) = p.period_start)
            else (select coalesce(sum(m.amount), 0) from money_spending m
                  where m.scope = b.scope and m.name = b.name and m.currency = b.currency
                    and date_trunc(b.period, m.at) = p.period_start)
        end as spent,
        case when b.figure = 'cost' then (select count(*) from money_spending m
                  where m.scope = b.scope and m.name = b.name and m.currency <> b.currency
                    and date_trunc(b.period, m.at) = p.period_start) else 0 end as items_in_other_currencies
    from periods p
    join budgets b using (budget_id)
),

final as (
    select
        b.budget_id,
        b.scope,
        b.name,
        b.period,
        s.period_start,
        s.period_start + case b.period when 'month' then interval 1 month else interval 1 year end as period_end,
        b.figure,
        case b.figure when 'co2e_t' then 't CO2e' when 'energy_mwh' then 'MWh' else b.currency end as unit,
        s.spent,
        b.budget,
        s.spent / b.budget as share,
        as_of.data_as_of,
        least(greatest(epoch(as_of.data_as_of - s.period_start)
            / epoch((s.period_start + case b.period when 'month' then interval 1 month else interval 1 year end)
                    - s.period_start), 0.0), 1.0) as elapsed_share,
        s.items_in_other_currencies,
        b.source
    from spent s
    join budgets b using (budget_id)
    cross join as_of
)

select
    *,
    spent / nullif(elapsed_share, 0) as projected,
    spent / nullif(elapsed_share, 0) / budget as projected_share,
    case
        when share > 1 then 'over'
        when spent / nullif(elapsed_share, 0) > budget then 'projected_over'
        else 'within'
    end as status
from final
order by scope, name, period_start, figure;
