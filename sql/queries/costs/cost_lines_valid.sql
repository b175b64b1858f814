-- grain: one row per valid typed cost-ledger record (no row in `problems`), shaped as cost_lines
-- without its cost_file_id.
with

typed as (
    select * from typed
),

problems as (
    select * from problems
),

final as (
    select _line as line, project, category, amount, currency, cost_date, description, source
    from typed
    anti join problems on problems.line = typed._line
)

select * from final order by line
