-- grain: one row per problem of a typed cost-ledger record (table `typed`, cost_lines_typed.sql):
-- line, column_name, value, reason (a fixed phrase), detail. $categories: the accepted
-- categories; $max_amount: the sanity ceiling of one line's amount (wattledger/method.py).
with

typed as (
    select * from typed
),

problems as (
    select _line as line, 'project' as column_name, null as value, 'missing project' as reason, null as detail
    from typed where project is null
    union all
    select _line, 'category', null, 'missing category', null
    from typed where category is null
    union all
    select _line, 'category', category, 'unknown cost category',
        'one of ' || array_to_string($categories, ', ')
    from typed where category is not null and not list_contains($categories, category)
    union all
    select _line, 'amount', null, 'missing amount', null
    from typed where amount_raw is null
    union all
    select _line, 'amount', amount_raw, 'not a number', null
    from typed where amount_raw is not null and amount is null
    union all
    select _line, 'amount', amount_raw, 'not a finite number', null
    from typed where amount is not null and not isfinite(amount)
    union all
    select _line, 'amount', amount_raw, 'negative amount', 'amounts are >= 0; a refund is its own line in the period it came'
    from typed where isfinite(amount) and amount < 0
    union all
    select _line, 'amount', amount_raw, 'amount above the sanity ceiling',
        'at most ' || $max_amount::varchar || ' per line (a unit slip: cents for units?)'
    from typed where isfinite(amount) and amount > $max_amount
    union all
    select _line, 'currency', null, 'missing currency', 'ISO 4217, e.g. USD'
    from typed where currency is null
    union all
    select _line, 'currency', currency, 'not an ISO 4217 currency code (three letters)', null
    from typed where currency is not null and not regexp_full_match(currency, '[A-Z]{3}')
    union all
    select _line, 'date', null, 'missing date', 'ISO 8601 date, YYYY-MM-DD'
    from typed where date_raw is null
    union all
    select _line, 'date', date_raw, 'not an ISO 8601 date (YYYY-MM-DD)', null
    from typed where date_raw is not null and cost_date is null
    union all
    select _line, 'date', date_raw, 'date out of range', 'from ' || $earliest_year::varchar || ' to ' || $latest_year::varchar
    from typed where cost_date is not null and (year(cost_date) < $earliest_year or year(cost_date) > $latest_year)
    union all
    select _line, 'source', null, 'missing source', 'where the figure comes from: an invoice, a plan, an article'
    from typed where source is null
)

select * from problems order by line, column_name
