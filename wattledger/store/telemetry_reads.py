"""Reads of stored power samples and of the runs that may share their hosts (attribution)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import duckdb
import polars as pl

from wattledger.resources import sql_text


def power_samples_count(con: duckdb.DuckDBPyConnection) -> int:
    """How many power samples are stored."""
    return con.sql("select count(*) from power_samples").fetchall()[0][0]


def sampled_hosts(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """host: every host with stored power samples."""
    return con.sql("select distinct host from power_samples").pl()


def runs_on_hosts(con: duckdb.DuckDBPyConnection, from_ts: datetime, to_ts: datetime) -> pl.DataFrame:
    """run_id, hosts, started_at, ended_at of every stored run with hosts and times that
    overlaps [from_ts, to_ts]."""
    return con.sql(sql_text("queries/compute/runs_on_hosts.sql"), params={"from_ts": from_ts, "to_ts": to_ts}).pl()


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> Iterator[None]:
    """``frame`` visible to ``con``'s queries as the table ``name`` for the block."""
    con.register(name, frame.to_arrow())
    try:
        yield
    finally:
        con.unregister(name)


def power_samples_per_host(con: duckdb.DuckDBPyConnection, host_windows: pl.DataFrame) -> pl.DataFrame:
    """host, samples: per host of ``host_windows`` (host, from_ts, to_ts), how many samples it
    has inside its window, by host."""
    with registered(con, "batch_host_windows", host_windows):
        return con.sql(sql_text("queries/compute/power_samples_per_host.sql")).pl()


def power_samples_on_hosts(con: duckdb.DuckDBPyConnection, host_windows: pl.DataFrame) -> pl.DataFrame:
    """host, gpu_index, gpu_uuid, sampled_at, power_w, energy_mj of the samples inside the windows of
    ``host_windows`` (host, from_ts, to_ts), by host, GPU and time."""
    with registered(con, "batch_host_windows", host_windows):
        return con.sql(sql_text("queries/compute/power_samples_on_hosts.sql")).pl()


def devices_on_hosts(con: duckdb.DuckDBPyConnection, hosts: pl.Series) -> pl.DataFrame:
    """host, gpu_index, gpu_uuid of every device that ever reported power samples on ``hosts``, by host
    and GPU."""
    with registered(con, "batch_hosts", pl.DataFrame({"host": hosts}, schema={"host": pl.String})):
        return con.sql(sql_text("queries/compute/devices_on_hosts.sql")).pl()
