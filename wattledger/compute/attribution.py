"""Attribute stored power samples to runs and integrate them into measured IT energy.

Rules (docs/time_resolved.md, "Attribution"):

- A run's devices are every GPU that reported samples on the hosts of its ``hosts`` column
  (a Slurm nodelist or a comma list); its window is [started_at, ended_at). A GPU is told by
  its UUID when its samples report one, else by its index on the host; a sample with an index
  and no UUID is the GPU that reported that index with a UUID elsewhere on the host (when
  exactly one did): ``device_keys``.
- Telemetry is used only when it is unambiguous: the number of devices seen equals the
  run's ``gpu_count``, and no other run shares one of its hosts at an overlapping time
  (the samples could belong to either). Otherwise the run keeps its other power basis and
  ``telemetry_note`` says why.
- Energy per device: the rise of its energy counter (DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION)
  over the run when the device reports one (a decrease is a reset: a new segment, the
  interval across it not bridged) and it covers at least COUNTER_MIN_SHARE of what its power
  samples cover; else the trapezoid of its power samples (gaps over 60 s not bridged,
  wattledger.kernel.telemetry). Summed over the run's devices; ``telemetry_source`` says which. Coverage = covered
  device-time / (devices x duration); below MIN_TELEMETRY_COVERAGE the telemetry is not used.
  Central value = measured energy / coverage (the uncovered time at the run's measured
  mean power); low = measured energy x (1 - SENSOR); high = (measured energy + uncovered
  device-time x max(mean power, TDP)) x (1 + SENSOR).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import duckdb
import numpy as np
import polars as pl

from wattledger.factors.hourly import PIECES_SCHEMA
from wattledger.hostlist import HostlistError, expand_hostlist
from wattledger.kernel.telemetry import counter_curve, hourly_energy, power_curve, window_energy
from wattledger.store import (devices_on_hosts, power_samples_count, power_samples_on_hosts, power_samples_per_host,
                              runs_on_hosts, sampled_hosts)
from wattledger.method import MAX_TELEMETRY_GAP_S, MIN_TELEMETRY_COVERAGE, SENSOR_REL_UNCERTAINTY
from wattledger.units import J_PER_KWH

#: A device's energy counter is its measurement when it covers at least this share of the
#: device-time its power samples cover in the run (else the counter is too sparse there).
COUNTER_MIN_SHARE = 0.99

TELEMETRY_SCHEMA = {
    "run_id": pl.String,
    "telemetry_it_energy_kwh": pl.Float64,
    "telemetry_low_kwh": pl.Float64,
    "telemetry_high_kwh": pl.Float64,
    "telemetry_source": pl.String,
    "telemetry_note": pl.String,
}


def _run_hosts(runs: pl.DataFrame) -> pl.DataFrame:
    """(run_id, host) for runs with a parsable host list (one expansion per distinct list)."""
    return _expand_hosts(runs)[0]


def _expand_hosts(runs: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(run_id, host) for runs with a parsable host list, and (run_id, problem) for the
    others (malformed, or over hostlist.MAX_HOSTS names); one expansion per distinct list."""
    lists = runs["hosts"].drop_nulls().unique().to_list()
    expanded, problems = {}, {}
    for text in lists:  # distinct host lists, not runs
        try:
            expanded[text] = expand_hostlist(text)
        except HostlistError as err:
            expanded[text], problems[text] = [], str(err)
    table = pl.DataFrame({"hosts": list(expanded), "host": list(expanded.values())},
                         schema={"hosts": pl.String, "host": pl.List(pl.String)})
    bad = pl.DataFrame({"hosts": list(problems), "problem": list(problems.values())},
                       schema={"hosts": pl.String, "problem": pl.String})
    pairs = runs.select("run_id", "hosts").join(table, on="hosts").explode("host").drop_nulls("host").select("run_id", "host")
    return pairs, runs.select("run_id", "hosts").join(bad, on="hosts").select("run_id", "problem")


def measured_telemetry(
    con: duckdb.DuckDBPyConnection, runs: pl.DataFrame, tdp_w: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Measured IT energy per run from power samples (TELEMETRY_SCHEMA; runs without
    samples on their hosts are absent), and the measured energy of each used run in each
    UTC hour (PIECES_SCHEMA), which weights hourly intensity and prices.
    ``tdp_w``: run_id, tdp_w (may be null)."""
    empty = (pl.DataFrame(schema=TELEMETRY_SCHEMA), pl.DataFrame(schema=PIECES_SCHEMA))
    n_samples = power_samples_count(con)
    if n_samples == 0:
        return empty
    timed = runs.filter(pl.col("hosts").is_not_null() & pl.col("started_at").is_not_null() & pl.col("ended_at").is_not_null())
    mine, unreadable = _expand_hosts(timed)
    said = unreadable.select(  # a host list that cannot be read is said, not ignored
        "run_id", pl.lit(None, pl.Float64).alias("telemetry_it_energy_kwh"), pl.lit(None, pl.Float64).alias("telemetry_low_kwh"),
        pl.lit(None, pl.Float64).alias("telemetry_high_kwh"), pl.lit(None, pl.String).alias("telemetry_source"),
        (pl.lit("telemetry not used: hosts not read (") + pl.col("problem") + pl.lit(")")).alias("telemetry_note"),
    )
    if mine.height == 0:
        return said, empty[1]
    mine = mine.join(sampled_hosts(con), on="host")
    if mine.height == 0:
        return said, empty[1]
    # every stored run on those hosts, to find runs that share a host at the same time
    span = timed.select(pl.col("started_at").min().alias("from_ts"), pl.col("ended_at").max().alias("to_ts")).row(0, named=True)
    others = runs_on_hosts(con, span["from_ts"], span["to_ts"])
    all_hosts = _run_hosts(others).join(mine.select("host").unique(), on="host").join(others.drop("hosts"), on="run_id")
    window = mine.join(timed.select("run_id", "started_at", "ended_at"), on="run_id")
    clash = (
        window.join(all_hosts, on="host", suffix="_other")
        .filter((pl.col("run_id") != pl.col("run_id_other"))
                & (pl.col("started_at") < pl.col("ended_at_other")) & (pl.col("started_at_other") < pl.col("ended_at")))
        .group_by("run_id").agg(pl.col("run_id_other").unique().sort().first().alias("other"))
    )
    # the samples of each host over its runs' span, widened by the longest bridged gap: a run's
    # edge falls inside an interval whose other sample may lie up to that far outside, and
    # without it the run's energy would depend on which other runs share its batch
    margin = timedelta(seconds=MAX_TELEMETRY_GAP_S)
    host_windows = mine.join(timed.select("run_id", "started_at", "ended_at"), on="run_id").group_by("host").agg(
        (pl.col("started_at").min() - margin).alias("from_ts"), (pl.col("ended_at").max() + margin).alias("to_ts")).sort("host")
    per_device_parts, hourly_parts, device_parts = [], [], []
    for hosts in _host_groups(con, host_windows):
        devices, per_device, hourly = _integrate_hosts(con, window.filter(pl.col("host").is_in(hosts.implode())),
                                                       host_windows.filter(pl.col("host").is_in(hosts.implode())))
        device_parts.append(devices.select("run_id", "host"))
        per_device_parts.append(per_device)
        hourly_parts.append(hourly)
    devices = pl.concat(device_parts)
    per_device = pl.concat(per_device_parts)
    per_run = (
        ordered_sums(per_device, ["run_id"], ["energy_kwh", "covered_s", "window_s", "by_counter"], count="devices")
        .join(timed.select("run_id", "gpu_count"), on="run_id")
        .join(tdp_w, on="run_id", how="left")
        .join(clash, on="run_id", how="left")
        .join(devices.group_by("run_id").agg(pl.col("host").unique().sort().str.join(",").alias("on_hosts")), on="run_id")
    )
    coverage = pl.col("covered_s") / pl.col("window_s")
    mean_w = pl.col("energy_kwh") * J_PER_KWH / pl.col("covered_s")
    # the uncovered time at up to TDP; a GPU model without a TDP: at the run's mean power, said in the source
    uncovered_kwh = (pl.col("window_s") - pl.col("covered_s")) * pl.max_horizontal(mean_w, pl.col("tdp_w")) / J_PER_KWH
    no_tdp = pl.when(pl.col("tdp_w").is_null() & (pl.col("covered_s") < pl.col("window_s"))).then(
        pl.lit("; no TDP for the GPU model: the uncovered time's high bound is the run's mean power")).otherwise(pl.lit(""))
    note = (
        pl.when(pl.col("other").is_not_null())
        .then(pl.lit("telemetry not used: host shared with run ") + pl.col("other") + pl.lit(" at the same time"))
        .when(pl.col("gpu_count").is_not_null() & (pl.col("devices") != pl.col("gpu_count")))
        .then(pl.lit("telemetry not used: ") + pl.col("devices").cast(pl.String) + pl.lit(" GPUs reported on the run's hosts, gpu_count is ")
              + pl.col("gpu_count").cast(pl.String))
        .when(~(coverage >= MIN_TELEMETRY_COVERAGE))
        .then(pl.lit("telemetry not used: samples cover ") + (coverage * 100).round(0).cast(pl.Int64).cast(pl.String)
              + pl.lit(f"% of the run's GPU-time (needs {MIN_TELEMETRY_COVERAGE:.0%})"))
    )
    out = per_run.with_columns(note.alias("telemetry_note")).with_columns(
        pl.when(pl.col("telemetry_note").is_null()).then(pl.col("energy_kwh") / coverage).alias("telemetry_it_energy_kwh"),
        pl.when(pl.col("telemetry_note").is_null()).then(pl.col("energy_kwh") * (1 - SENSOR_REL_UNCERTAINTY)).alias("telemetry_low_kwh"),
        pl.when(pl.col("telemetry_note").is_null())
        .then((pl.col("energy_kwh") + uncovered_kwh) * (1 + SENSOR_REL_UNCERTAINTY)).alias("telemetry_high_kwh"),
        (pl.lit("telemetry: ") + _method() + pl.lit(" of ") + pl.col("devices").cast(pl.String) + pl.lit(" GPU(s) on ")
         + pl.col("on_hosts") + pl.lit(", ") + (coverage * 100).round(1).cast(pl.String)
         + pl.lit(f"% of the GPU-time covered (gaps over {MAX_TELEMETRY_GAP_S:g} s not bridged)") + no_tdp)
        .alias("telemetry_source"),
    )
    used = out.filter(pl.col("telemetry_note").is_null()).select("run_id")
    pieces = (
        pl.concat(hourly_parts)
        .join(used, on="run_id")
        .pipe(ordered_sums, ["run_id", "start_s", "end_s"], ["energy_kwh"])  # all devices of the run
        .filter(pl.col("energy_kwh") > 0)
        .sort("run_id", "start_s")
    )
    return pl.concat([out.select(list(TELEMETRY_SCHEMA)), said]), pieces.select(list(PIECES_SCHEMA))



#: Power samples read into memory at once (a group of hosts); more are read group by group.
MAX_SAMPLES_PER_READ = 5_000_000


def _host_groups(con: duckdb.DuckDBPyConnection, host_windows: pl.DataFrame) -> list[pl.Series]:
    """Hosts in groups whose samples (inside the batch's windows) fit MAX_SAMPLES_PER_READ;
    a host with more samples than that is a group of its own."""
    counts = power_samples_per_host(con, host_windows)
    groups, current, size = [], [], 0
    for host, n in counts.iter_rows():
        if current and size + n > MAX_SAMPLES_PER_READ:
            groups.append(pl.Series("host", current))
            current, size = [], 0
        current.append(host)
        size += n
    if current:
        groups.append(pl.Series("host", current))
    return groups


def _method() -> pl.Expr:
    """How a run's energy was measured: energy counter, power trapezoid, or both (per device)."""
    k = pl.col("by_counter").round(0).cast(pl.Int64)
    return (pl.when(k == pl.col("devices")).then(pl.lit("energy counter (DCGM total energy)"))
            .when(k == 0).then(pl.lit("power samples (trapezoid)"))
            .otherwise(pl.lit("energy counter on ") + k.cast(pl.String) + pl.lit(", power samples (trapezoid) on the rest")))


def _integrate_hosts(con: duckdb.DuckDBPyConnection, window: pl.DataFrame, host_windows: pl.DataFrame):
    """Per device of the runs in ``window`` (run_id, host, started_at, ended_at) on these hosts:
    the device rows, their energy/coverage (and whether the energy counter measured it), and
    their energy in each UTC hour."""
    samples = power_samples_on_hosts(con, host_windows)
    # every device of these hosts, also those without samples in the window (they cover 0 s)
    arrays = sample_arrays(samples, devices=devices_on_hosts(con, host_windows["host"]))
    curve = power_curve(arrays.device, arrays.t_s, arrays.power_w)
    counted = np.isfinite(arrays.energy_mj)
    counter = counter_curve(arrays.device[counted], arrays.t_s[counted], arrays.energy_mj[counted] / 1e3)  # mJ -> J
    devices = window.join(arrays.devices, on="host").with_columns(pl.col("device").cast(pl.Int64))
    start = devices["started_at"].dt.epoch("us").to_numpy() / 1e6
    end = devices["ended_at"].dt.epoch("us").to_numpy() / 1e6
    code = devices["device"].to_numpy()
    by_power = window_energy(curve, code, start, end)
    by_counter = window_energy(counter, code, start, end)
    use = (by_counter.covered_s > 0) & (by_counter.covered_s >= COUNTER_MIN_SHARE * by_power.covered_s)
    per_device = devices.select("run_id").with_columns(
        pl.Series("energy_kwh", np.where(use, by_counter.energy_kwh, by_power.energy_kwh)),
        pl.Series("covered_s", np.where(use, by_counter.covered_s, by_power.covered_s)),
        pl.Series("window_s", end - start),
        pl.Series("by_counter", use.astype(np.float64)),
    )
    parts = []
    for c, chosen in ((curve, ~use), (counter, use)):
        hourly = hourly_energy(c, code, start, end)
        keep = chosen[hourly.window]
        parts.append(pl.DataFrame({"run_id": devices["run_id"].gather(hourly.window[keep]), "start_s": hourly.start_s[keep],
                                   "end_s": hourly.end_s[keep], "energy_kwh": hourly.energy_kwh[keep]},
                                  schema={"run_id": pl.String, "start_s": pl.Float64, "end_s": pl.Float64, "energy_kwh": pl.Float64}))
    return devices, per_device, pl.concat(parts)


def ordered_sums(frame: pl.DataFrame, keys: list[str], columns: list[str], *, count: str | None = None) -> pl.DataFrame:
    """Per group of ``keys``: the sums of ``columns`` added in row order (numpy), so the
    result is the same float on every run and machine; a multi-threaded group_by may add
    partial sums in another order and differ in the last bit, which would make unchanged
    inputs look changed (compute's inputs_sha) and runs on Dask differ from local ones."""
    ordered = frame.with_row_index("_row").sort([*keys, "_row"])
    if ordered.height == 0:
        empty = ordered.select(keys).with_columns([pl.lit(0.0).alias(c) for c in columns])
        return empty.with_columns(pl.lit(0, dtype=pl.UInt32).alias(count)) if count else empty
    change = np.zeros(ordered.height, dtype=bool)
    change[0] = True
    for key in keys:
        values = ordered[key]
        change[1:] |= (values[1:] != values[:-1]).fill_null(True).to_numpy()
    starts = np.flatnonzero(change)
    out = ordered.select(keys).gather(starts)
    sums = [pl.Series(c, np.add.reduceat(ordered[c].cast(pl.Float64).to_numpy(), starts)) for c in columns]
    out = out.with_columns(sums)
    if count:
        out = out.with_columns(pl.Series(count, np.diff(np.append(starts, ordered.height)), dtype=pl.UInt32))
    return out


@dataclass(frozen=True)
class SampleArrays:
    """Power samples as plain numbers for ``wattledger.kernel.telemetry``."""

    devices: pl.DataFrame  # device (UInt32 code), host, gpu_key, gpu_index: one row per device
    device: np.ndarray  # code of each sample's device, int64 [-]
    t_s: np.ndarray  # sample time, seconds since the Unix epoch (UTC), float64 [s]
    power_w: np.ndarray  # [W], NaN where not reported
    energy_mj: np.ndarray  # energy counter [mJ], NaN where not reported


def device_keys(frame: pl.DataFrame, pairs: pl.DataFrame | None = None) -> pl.Expr:
    """The key of each row's GPU (host, gpu_index, gpu_uuid): its UUID; else the UUID that its
    (host, index) reported in ``pairs`` (rows with both; default ``frame``), when exactly one;
    else ``index <n>``. A GPU logged with and without UUIDs is one device; two GPUs that swapped
    an index stay two."""
    pairs = frame if pairs is None else pairs
    known = (pairs.filter(pl.col("gpu_index").is_not_null() & pl.col("gpu_uuid").is_not_null())
             .group_by("host", "gpu_index").agg(pl.col("gpu_uuid").unique().alias("_uuids"))
             .filter(pl.col("_uuids").list.len() == 1).select("host", "gpu_index", pl.col("_uuids").list.first().alias("_known")))
    return frame.join(known, on=["host", "gpu_index"], how="left", maintain_order="left").select(
        pl.coalesce("gpu_uuid", "_known", pl.lit("index ") + pl.col("gpu_index").cast(pl.String)).alias("gpu_key"))["gpu_key"]


def sample_arrays(samples: pl.DataFrame, devices: pl.DataFrame | None = None) -> SampleArrays:
    """Device codes and epoch seconds for the kernel; a device is (host, GPU key: ``device_keys``).
    ``devices`` (host, gpu_index, gpu_uuid; default: those of the samples, in order) are coded
    in their order, including devices without samples; they also tell the UUID of an index."""
    if devices is None:
        devices = samples.select("host", "gpu_index", "gpu_uuid")
    devices = devices.select("host", "gpu_index", "gpu_uuid")
    keyed = devices.with_columns(device_keys(devices)).unique(["host", "gpu_key"], keep="first", maintain_order=True)
    table = keyed.select("host", "gpu_key", "gpu_index").with_row_index("device")
    samples = samples.with_columns(device_keys(samples, devices))
    coded = samples.join(table.select("device", "host", "gpu_key"), on=["host", "gpu_key"], how="left", maintain_order="left")
    energy = coded["energy_mj"] if "energy_mj" in coded.columns else pl.Series([None] * coded.height, dtype=pl.Float64)
    return SampleArrays(
        devices=table,
        device=coded["device"].cast(pl.Int64).to_numpy(),
        t_s=(coded["sampled_at"].dt.epoch("us").cast(pl.Float64) / 1e6).to_numpy(),
        power_w=coded["power_w"].cast(pl.Float64).fill_null(np.nan).to_numpy(),
        energy_mj=energy.cast(pl.Float64).fill_null(np.nan).to_numpy(),
    )
