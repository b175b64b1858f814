-- The full cost of a project (issue #21): a cost ledger beside the runs, run stages, budgets.
-- Rules: docs/costs.md. The views over these tables are in sql/views/090_project_costs.sql and
-- sql/views/100_budget_status.sql.

-- the run log's optional stage: free text (pretrain, sft, rl, ablation, eval, ...), so that a
-- project can tell its final model's training from its experiments (sql/macros/040_cost_stages.sql)
alter table runs add column stage varchar;

-- grain: one row per version of a cost-ledger file (identified by the SHA-256 of its bytes).
-- A changed file (same path, other content) replaces the lines of its earlier version, in one
-- transaction: the earlier row stays, with replaced_by_cost_file_id, replaced_at and the
-- number of lines it lost (lines_replaced on the new row).
create sequence if not exists cost_file_id_seq start 1;
create table cost_files (
    cost_file_id bigint primary key default nextval('cost_file_id_seq'),
    path varchar not null,                  -- absolute path when loaded
    content_sha256 varchar not null,
    format varchar not null,                -- csv | parquet
    size_bytes bigint not null,
    records bigint not null,                -- data records seen (blank lines excluded)
    lines_loaded bigint not null,
    lines_rejected bigint not null,
    lines_replaced bigint not null default 0,  -- lines of the earlier version of this path removed
    ignored_columns varchar[] not null,
    loaded_at timestamptz not null,
    replaced_by_cost_file_id bigint,        -- null while current
    replaced_at timestamptz
);

-- grain: one row per valid line of a current cost-ledger file
create table cost_lines (
    cost_file_id bigint not null,
    line bigint not null,                   -- line (CSV, as an editor counts it) or 1-based row (Parquet)
    project varchar not null,
    category varchar not null,              -- data | people | hardware | infrastructure | other | compute | electricity
    amount double not null,                 -- >= 0, in currency
    currency varchar not null,              -- ISO 4217
    cost_date date not null,                -- the date the cost was incurred (the file's `date`)
    description varchar,
    source varchar not null,                -- where the figure comes from (invoice, plan, article ...)
    primary key (cost_file_id, line)
);

-- grain: one row per problem found in a cost-ledger record (a record may have several)
create table cost_rejects (
    cost_file_id bigint not null,
    line bigint,
    column_name varchar,                    -- null when the whole record is malformed
    value varchar,
    reason varchar not null,
    detail varchar
);

-- grain: one row per budget of a budgets file: a team or project, a period kind, one figure.
-- Loading a budgets file replaces every budget (the file is the whole list).
create table budgets (
    budget_id varchar primary key,          -- '<scope>:<name>:<period>:<figure>[:<currency>]'
    scope varchar not null,                 -- team | project
    name varchar not null,                  -- the team or project (as in runs and cost_lines)
    period varchar not null,                -- month | year
    figure varchar not null,                -- co2e_t | energy_mwh | cost
    budget double not null,                 -- > 0, in the figure's unit (t, MWh, currency)
    currency varchar,                       -- ISO 4217, for figure = cost
    source varchar not null,                -- the budgets file and its entry
    loaded_at timestamptz not null
);
