"""The constants table: cited defaults from wattledger/units.py, and user overrides."""

from __future__ import annotations

import math

import duckdb
import polars as pl

from wattledger.units import CONSTANTS


def sync_default_constants(con: duckdb.DuckDBPyConnection) -> None:
    """Write every default from units.py, leaving user overrides as they are."""
    rows = [[c.name, c.value, c.unit, c.description, c.source, c.vintage_year, c.url] for c in CONSTANTS.values()]
    con.executemany(
        """
        insert into constants (name, value, unit, description, source, vintage_year, url, is_override)
        values (?, ?, ?, ?, ?, ?, ?, false)
        on conflict (name) do update set
            value = excluded.value, unit = excluded.unit, description = excluded.description,
            source = excluded.source, vintage_year = excluded.vintage_year, url = excluded.url,
            updated_at = now()
        where not constants.is_override
        """,
        rows,
    )


def set_constant(con, name: str, value: float, source: str, vintage_year: int | None = None) -> None:
    """Override a constant (e.g. a newer EIA household figure), recording its source."""
    if name not in CONSTANTS:
        raise KeyError(f"unknown constant {name!r}; known: {', '.join(sorted(CONSTANTS))}")
    c = CONSTANTS[name]
    if not (math.isfinite(value) and c.plausible_min <= value <= c.plausible_max):
        raise ValueError(
            f"{name} must be a finite number from {c.plausible_min:,g} to {c.plausible_max:,g} {c.unit} "
            f"({c.plausible_reason}); got {value!r}"
        )
    con.execute(
        """
        update constants set value = ?, source = ?, vintage_year = ?, url = null,
            is_override = true, updated_at = now()
        where name = ?
        """,
        [value, source, vintage_year, name],
    )


def reset_constant(con, name: str) -> None:
    """Drop a user override: the cited default applies again."""
    if name not in CONSTANTS:
        raise KeyError(f"unknown constant {name!r}; known: {', '.join(sorted(CONSTANTS))}")
    con.execute("update constants set is_override = false where name = ?", [name])
    sync_default_constants(con)


def constants_table(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every constant (name, value, unit, description, source, vintage_year, url, is_override,
    updated_at), by name."""
    return con.sql("select * from constants order by name").pl()


def list_constants(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every constant as a dict, by name."""
    return constants_table(con).to_dicts()
