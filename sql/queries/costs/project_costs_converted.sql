-- grain: one row per project: its full cost converted to one currency ($currency) with the
-- exchange rates of table `fx_rates` (rate_date, currency, units_per_eur, source; EUR is 1).
-- Each item of project_cost_lines is converted at the latest rate on or before its date
-- (`in_effect`), else the earliest after it (`later_than_item`); an item whose currency or the
-- target has no rate at all stays unconverted and is counted, never guessed.
with

lines as (
    select * from project_cost_lines
),

rates as (
    select rate_date, currency, units_per_eur, source from fx_rates
    union all
    select distinct rate_date, 'EUR', 1.0, 'EUR is the base of the rates' from fx_rates
),

pairs as (  -- a rate date on which both the item's currency and the target have a rate
    select f.rate_date, f.currency as from_currency, f.units_per_eur as from_per_eur,
        t.units_per_eur as to_per_eur, f.source
    from rates f
    join rates t on t.rate_date = f.rate_date and t.currency = $currency
),

converted as (
    select
        lines.*,
        coalesce(before.rate_date, after.rate_date) as fx_rate_date,
        case when before.rate_date is not null then 'in_effect' when after.rate_date is not null then 'later_than_item' end
            as fx_date_rule,
        case when lines.currency = $currency then lines.amount
            else lines.amount / coalesce(before.from_per_eur, after.from_per_eur)
                 * coalesce(before.to_per_eur, after.to_per_eur) end as converted_amount,
        coalesce(before.source, after.source) as fx_source
    from lines
    left join lateral (
        select * from pairs p where p.from_currency = lines.currency and p.rate_date <= lines.item_date
        order by p.rate_date desc limit 1
    ) before on true
    left join lateral (
        select * from pairs p where p.from_currency = lines.currency and p.rate_date > lines.item_date
        order by p.rate_date limit 1
    ) after on true
),

final as (
    select
        project,
        $currency as currency,
        sum(converted_amount) filter (where category = 'compute') as compute_cost,
        sum(converted_amount) filter (where category = 'electricity') as electricity_cost,
        sum(converted_amount) filter (where category = 'data') as data_cost,
        sum(converted_amount) filter (where category = 'people') as people_cost,
        sum(converted_amount) filter (where category = 'hardware') as hardware_cost,
        sum(converted_amount) filter (where category = 'infrastructure') as infrastructure_cost,
        sum(converted_amount) filter (where category = 'other') as other_cost,
        sum(converted_amount) as total_cost,
        count(*) as items,
        count(*) filter (where converted_amount is null) as items_unconverted,
        count(*) filter (where fx_date_rule = 'later_than_item') as items_at_later_rate,
        min(fx_rate_date) as first_fx_rate_date,
        max(fx_rate_date) as last_fx_rate_date,
        string_agg(distinct fx_source, '; ') as fx_sources,
        string_agg(distinct currency, ', ' order by currency) as original_currencies
    from converted
    group by project
)

select * from final order by total_cost desc nulls last, project
