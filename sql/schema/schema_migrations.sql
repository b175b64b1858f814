-- grain: one row per applied migration file (sql/schema/NNN_name.sql)
-- Bootstrap table; created before any migration runs. Re-running is a no-op.
create table if not exists schema_migrations (
    version integer primary key,
    name varchar not null,
    sha256 varchar not null,
    applied_at timestamptz not null default current_timestamp
);
