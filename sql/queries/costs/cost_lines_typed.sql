-- grain: one row per staged record of a cost ledger (table `staged`: text columns + _line),
-- trimmed and typed; a value that does not parse is null here and a problem in
-- cost_lines_problems.sql. Project names are identity text, as the runs' (sql/macros/030_identity_text.sql).
with

staged as (
    select * from staged
),

cleaned as (
    select
        _line,
        nullif(trim(wl_identity_text(project)), '') as project,
        nullif(lower(trim(category)), '') as category,
        nullif(trim(amount), '') as amount_raw,
        nullif(upper(trim(currency)), '') as currency,
        nullif(trim("date"), '') as date_raw,
        nullif(trim(description), '') as description,
        nullif(trim(source), '') as source
    from staged
),

final as (
    select
        *,
        try_cast(amount_raw as double) as amount,
        case when regexp_full_match(date_raw, '\d{4}-\d{2}-\d{2}') then try_cast(date_raw as date) end as cost_date
    from cleaned
)

select * from final
