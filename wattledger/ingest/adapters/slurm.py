"""Slurm accounting (``sacct --parsable2``) -> canonical run log.

Input: the output of, for example::

    sacct --allusers --parsable2 --starttime 2024-10-01 --endtime 2024-11-01 \
          --format JobID,JobName,User,Account,Partition,State,Start,End,Elapsed,ElapsedRaw,NNodes,AllocTRES,NodeList

with or without ``--noheader`` (a headerless file has those 13 fields in that order, or
the ``sacct_fields`` of the cluster file); ``--parsable`` (a trailing ``|``) is read too.
Any subset of fields works if it has JobID, Start, End and AllocTRES.

Rules (docs/formats.md):
- One run per job line (JobID without a step suffix): ``run_id = slurm:<cluster>:<JobID>``,
  ``<cluster>`` from the cluster file. Array tasks (``123_4``) and heterogeneous job
  components (``123+1``) are runs of their own.
- Job steps (``123.batch``, ``123.extern``, ``123.0``) are folded into their job: the
  job line already holds the whole allocation (AllocTRES, NodeList, Start..End), so a
  step adds nothing. A step whose job line is not in the file is rejected: the job's
  allocation cannot be known from one step.
- GPU count from the job line's AllocTRES: ``gres/gpu=N`` (the total) when present, else
  the sum of the typed ``gres/gpu:<type>=N``. For a multi-node job sacct already gives
  the job's total.
- CPU cores from AllocTRES ``cpu=N``, else the NCPUS field, divided by the cluster file's
  ``cpu_threads_per_core`` (Slurm counts hardware threads as CPUs where SMT is on); memory from AllocTRES ``mem=``
  with Slurm's binary units (``250G`` = 250 GiB, ``1000M``, ``2T``; no unit: MiB) in GB
  (10^9 bytes). A job without GPUs is a CPU job (gpu_count 0: its energy is its CPU and
  memory parts, docs/method.md); a job with neither GPUs nor CPUs is rejected.
  The CPU model comes from the cluster file (``cpu_model`` of a node rule, partition or
  the default), like the GPU model; without one, a documented default power per core applies.
- Times: sacct prints the controller's local time without an offset; the cluster file's
  ``timezone`` converts them to UTC. In the hour repeated when daylight saving ends, a
  time is placed using Elapsed (End - Elapsed or Start + Elapsed) when the other end is
  unambiguous, else at its earlier instant.
- A job that never started (Start Unknown/None: pending, cancelled while pending) or is
  still running (End Unknown/None) is rejected with that reason: not loaded, not guessed.
- State kept in ``job_state``: ``CANCELLED by 12345`` -> ``CANCELLED``.
- ``sacct --duplicates`` lists every attempt of a requeued job under one JobID: the last
  attempt keeps the plain run_id, the earlier ones get ``#1``, ``#2`` ... in Start order.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from wattledger.ingest.adapters import Adapted, reject_where, text
from wattledger.ingest.adapters.cluster import ClusterFile
from wattledger.ingest.adapters.times import localize, naive, utc_text
from wattledger.ingest.errors import FileRefused
from wattledger.ingest.readers import RawTable, read_delimited

#: The fields of a headerless file, in order, unless the cluster file says otherwise.
DEFAULT_FIELDS: tuple[str, ...] = (
    "JobID", "JobName", "User", "Account", "Partition", "State", "Start", "End",
    "Elapsed", "ElapsedRaw", "NNodes", "AllocTRES", "NodeList",
)  # fmt: skip
REQUIRED_FIELDS: tuple[str, ...] = ("JobID", "Start", "End", "AllocTRES")
#: sacct's spelling of the fields read here (headers are matched case-insensitively).
_SPELLING = {f.lower(): f for f in DEFAULT_FIELDS}
_USED = {"jobid", "jobname", "account", "partition", "state", "start", "end", "elapsed", "elapsedraw", "alloctres", "nodelist",
         "ncpus"}
#: Slurm's memory units (binary: K, M, G, T, P) in GB (10^9 bytes); a number without a unit is MiB.
_MEM_UNIT_GB = {"": 2.0**20 / 1e9, "K": 2.0**10 / 1e9, "M": 2.0**20 / 1e9, "G": 2.0**30 / 1e9, "T": 2.0**40 / 1e9,
                "P": 2.0**50 / 1e9}

#: A job id: 123, array task 123_4 (or pending 123_[5-9%2]), het component 123+1, step .batch/.0
JOB_ID = r"^\d+(?:_(?:\d+|\[[^\]]*\]))?(?:\+\d+)?(?:\.[A-Za-z0-9_+-]+)?$"
SACCT_TIME = "%Y-%m-%dT%H:%M:%S"
_UNSET_TIME = ("unknown", "none")  # sacct's words for a time not reached yet (Slurm < 23 / >= 23)
_MAX_ELAPSED_S = 400 * 86_400  # an Elapsed beyond this is garbage, not a job (the validation caps runs at a year)


def read_sacct(path: Path, data: bytes, *, header: bool, fields: list[str] | None = None, delimiter: str = "|") -> RawTable:
    """Read ``|``-separated sacct output (or another single-character ``--delimiter``: a TAB, ...;
    no quoting) into text columns with line numbers."""
    first_line = data.split(b"\n", 1)[0].rstrip(b"\r")
    sep = delimiter.encode()
    trailing = first_line.endswith(sep)  # --parsable (not --parsable2) ends lines with |
    names = None if header else list(fields or DEFAULT_FIELDS)
    if names is not None:
        found = first_line.count(sep) + 1 - trailing
        if found != len(names):
            raise FileRefused(
                path,
                f"line 1: headerless sacct output with {found} fields; expected the {len(names)} fields "
                f"{'|'.join(names)}. Save sacct output with its header (drop --noheader), or list the "
                "--format fields in order as sacct_fields in the cluster file",
            )
    return read_delimited(path, data, delimiter=delimiter, quoting=False, names=names, trailing_delimiter=trailing)


def _display(column: str) -> str:
    return _SPELLING.get(column, column)


def _elapsed_seconds(frame: pl.DataFrame) -> pl.Expr:
    """ElapsedRaw [s], else Elapsed ``[D-]HH:MM:SS`` in seconds; null when neither parses."""
    raw = text(frame, "elapsedraw").cast(pl.Int64, strict=False)
    el = text(frame, "elapsed")
    parts = el.str.extract_groups(r"^(?:(\d+)-)?(\d+):(\d{2}):(\d{2})$")
    secs = (  # non-strict: a day count of 30 digits is no elapsed time, not a crash
        parts.struct.field("1").cast(pl.Int64, strict=False).fill_null(0) * 86_400
        + parts.struct.field("2").cast(pl.Int64, strict=False) * 3_600
        + parts.struct.field("3").cast(pl.Int64, strict=False) * 60
        + parts.struct.field("4").cast(pl.Int64, strict=False)
    )
    elapsed = pl.coalesce(raw, secs)
    return pl.when(elapsed.is_between(0, _MAX_ELAPSED_S)).then(elapsed)  # else unknown: not used to place times


def _on_rows(frame: pl.DataFrame, rows: pl.Expr, column: pl.Expr) -> pl.DataFrame:
    """``frame`` with ``column`` computed on the rows where ``rows`` holds, null on the others: a costly
    expression that few rows need is not computed on every row (polars computes both branches of a when)."""
    part = frame.filter(rows).select("_line", column)
    name, dtype = part.columns[1], part.schema[part.columns[1]]
    if part.height == 0:  # the usual case: no row needs it
        return frame.with_columns(pl.lit(None, dtype=dtype).alias(name))
    # joined on the line numbers alone: the frame's other columns are not gathered again
    values = frame.select("_line").join(part, on="_line", how="left", maintain_order="left")[name]
    return frame.with_columns(values)


def _matches_node_rule(cluster: ClusterFile) -> list[pl.Expr]:
    """Whether each job's NodeList matches each node rule (columns ``_node_rule_<i>``), computed once for every field."""
    return [pl.col("_nodelist").str.contains(rule.pattern).alias(f"_node_rule_{i}") for i, rule in enumerate(cluster.nodes)]


def _placement(cluster: ClusterFile, field: str, gres_type: pl.Expr) -> pl.Expr:
    """gpu_model / datacenter / region of each job: node rules, gres type, partition, default
    (of the columns ``_partition``, ``_nodelist`` and ``_node_rule_<i>``)."""
    expr = pl.lit(getattr(cluster, field), dtype=pl.String)  # the cluster-wide default
    partitions = {p: getattr(v, field) for p, v in cluster.partitions.items() if getattr(v, field) is not None}
    if partitions:
        expr = pl.coalesce(pl.col("_partition").replace_strict(partitions, default=None, return_dtype=pl.String), expr)
    if field == "gpu_model" and cluster.gres_types:
        expr = pl.coalesce(gres_type.replace_strict(cluster.gres_types, default=None, return_dtype=pl.String), expr)
    for i, rule in reversed(list(enumerate(cluster.nodes))):  # the first rule that sets the field wins
        value = getattr(rule, field)
        if value is not None:
            expr = pl.when(pl.col(f"_node_rule_{i}")).then(pl.lit(value)).otherwise(expr)
    return expr


def _threads_per_core(cluster: ClusterFile) -> pl.Expr:
    """cpu_threads_per_core of each job (node rules, partition, default; none: 1), as ``_placement`` finds text fields."""
    expr = pl.lit(cluster.cpu_threads_per_core, dtype=pl.Float64)
    partitions = {p: float(v.cpu_threads_per_core) for p, v in cluster.partitions.items() if v.cpu_threads_per_core}
    if partitions:
        expr = pl.coalesce(pl.col("_partition").replace_strict(partitions, default=None, return_dtype=pl.Float64), expr)
    for i, rule in reversed(list(enumerate(cluster.nodes))):  # the first rule that sets it wins
        if rule.cpu_threads_per_core is not None:
            expr = pl.when(pl.col(f"_node_rule_{i}")).then(pl.lit(float(rule.cpu_threads_per_core))).otherwise(expr)
    return expr.fill_null(1.0)


def adapt_sacct(path: Path, raw: RawTable, cluster: ClusterFile, cluster_path: Path, *, header: bool = True) -> Adapted:
    """Map sacct records to canonical runs (see the module docstring for the rules)."""
    frame = raw.frame
    missing = [f for f in REQUIRED_FIELDS if f.lower() not in frame.columns]
    if missing:
        raise FileRefused(
            path,
            f"sacct output without the field(s) {', '.join(missing)}; found {[_display(c) for c in frame.columns if c != '_line']}. "
            f"Run sacct with --format {','.join(DEFAULT_FIELDS)}",
        )
    tz = cluster.timezone
    # JobIDs of every record, then job steps (a "." in JobID) apart: they go no further than the
    # fold into their job; only job lines (a quarter of a typical export) are mapped below
    ids = frame.select("_line", text(frame, "jobid").alias("_jobid"))
    ids = ids.with_columns(pl.col("_jobid").str.contains(JOB_ID).fill_null(False).alias("_id_ok"),
                           pl.col("_jobid").str.contains(".", literal=True).alias("_is_step"))
    bad_id = reject_where(
        ids, ~pl.col("_id_ok"), "JobID", pl.col("_jobid"),
        pl.when(pl.col("_jobid").is_null()).then(pl.lit("missing JobID")).otherwise(pl.lit("not a Slurm job id")),
        "expected e.g. 123, 123_4 (array task), 123+1 (het job), 123.batch (step)",
    ).sort("line")  # fmt: skip
    jobs = frame.with_columns(ids["_jobid"]).filter(ids["_id_ok"] & ~ids["_is_step"])

    # fold steps into their job: is the job line (a JobID without step suffix) in the file?
    steps = ids.filter(pl.col("_id_ok") & pl.col("_is_step")).with_columns(
        pl.col("_jobid").str.split_exact(".", 1).struct.field("field_0").alias("_job"))
    steps = steps.with_columns(pl.col("_job").is_in(jobs["_jobid"].implode()).alias("_has_job_line"))
    folded = int(steps["_has_job_line"].sum())
    orphans = reject_where(
        steps, ~pl.col("_has_job_line"), "JobID", pl.col("_jobid"),
        "job step without its job line: the job's allocation is unknown",
        pl.lit("no line for JobID ") + pl.col("_job") + pl.lit(" in this file (an export filtered to steps?)"),
    ).sort("line")  # fmt: skip

    # times, GPUs, state: all columnar
    start, end = text(jobs, "start"), text(jobs, "end")
    # AllocTRES between commas: a key at its start or end is then ",key=value," like any other
    tres = pl.lit(",") + text(jobs, "alloctres").fill_null("") + pl.lit(",")
    # counts as floats: digits always convert, and an absurd count reaches the validation's ceiling
    cores = pl.coalesce(pl.col("_tres").str.extract(r",cpu=(\d+),", 1).cast(pl.Float64),
                        text(jobs, "ncpus").cast(pl.Float64, strict=False))
    mem = pl.col("_tres").str.extract_groups(r",mem=(\d+(?:\.\d+)?)([KMGTP]?),")
    mem_gb = mem.struct.field("1").cast(pl.Float64) * mem.struct.field("2").replace_strict(_MEM_UNIT_GB, default=None,
                                                                                          return_dtype=pl.Float64)
    jobs = jobs.with_columns(tres.alias("_tres")).with_columns(
        cores.alias("_cores"),
        mem_gb.alias("_ram_gb"),
        start.alias("_start_raw"),
        end.alias("_end_raw"),
        naive(start, SACCT_TIME).alias("_start_naive"),
        naive(end, SACCT_TIME).alias("_end_naive"),
        pl.col("_tres").str.extract(r",gres/gpu=(\d+),", 1).cast(pl.Float64).alias("_gpus"),  # the job's total
        text(jobs, "state").str.to_uppercase().str.extract(r"^([A-Z_]+)", 1).alias("_state"),
    ).with_columns(pl.when(pl.col("_cores") > 0).then(pl.col("_cores")).alias("_cores"))
    # else the sum of the typed gres/gpu:<type>=N; and the one GPU type named, where the cluster file maps types
    typed = pl.col("_tres").str.extract_all(r"gres/gpu:[^=,]+=\d+").list.eval(
        pl.element().str.extract(r"=(\d+)$", 1).cast(pl.Float64)).list.sum()
    names_types = pl.col("_tres").str.contains("gres/gpu:", literal=True)
    jobs = _on_rows(jobs, pl.col("_gpus").is_null() & names_types, typed.alias("_typed_gpus"))
    jobs = jobs.with_columns(pl.coalesce("_gpus", pl.when(pl.col("_typed_gpus") > 0).then("_typed_gpus")).alias("_gpus"))
    if cluster.gres_types:
        type_names = pl.element().str.extract(r"gres/gpu:([^=,]+)=", 1).str.to_lowercase()
        gres_types = pl.col("_tres").str.extract_all(r"gres/gpu:[^=,]+=").list.eval(type_names).list.unique()
        jobs = _on_rows(jobs, names_types, pl.when(gres_types.list.len() == 1).then(gres_types.list.first()).alias("_gres_type"))

    localized = [localize(pl.col("_start_naive"), tz, "earliest").alias("_s_e"),
                 localize(pl.col("_start_naive"), tz, "latest").alias("_s_l"),
                 localize(pl.col("_end_naive"), tz, "earliest").alias("_e_e"),
                 localize(pl.col("_end_naive"), tz, "latest").alias("_e_l")]
    jobs = jobs.with_columns(localized)
    s_e, s_l, e_e, e_l = pl.col("_s_e"), pl.col("_s_l"), pl.col("_e_e"), pl.col("_e_l")
    start_amb, end_amb = s_e != s_l, e_e != e_l
    # Elapsed places a time of the repeated hour: read on those rows only (a few a year)
    jobs = _on_rows(jobs, start_amb | end_amb, _elapsed_seconds(jobs).alias("_elapsed_s"))
    elapsed = pl.duration(seconds=pl.col("_elapsed_s"))
    started = pl.when(start_amb & ~end_amb & pl.col("_elapsed_s").is_not_null()).then(e_e - elapsed).otherwise(s_e)
    jobs = jobs.with_columns(started.alias("_started"))
    ended = pl.when(end_amb & pl.col("_elapsed_s").is_not_null()).then(pl.col("_started") + elapsed).otherwise(e_e)
    jobs = jobs.with_columns(ended.alias("_ended"))

    # one reason per rejected job line, the first that applies
    unset = lambda c: pl.col(c).is_null() | pl.col(c).str.to_lowercase().is_in(_UNSET_TIME)  # noqa: E731
    gap = f"not a valid local time in {tz} (skipped by a daylight-saving change)"
    checks = [
        (unset("_start_raw"), "Start", "_start_raw",
         pl.lit("job never started (Start=") + pl.col("_start_raw").fill_null("") + pl.lit("): no GPU time to account")),
        (unset("_end_raw"), "End", "_end_raw",
         pl.lit("job still running (End=") + pl.col("_end_raw").fill_null("") + pl.lit("): not accounted until it ends")),
        (pl.col("_start_naive").is_null(), "Start", "_start_raw", pl.lit("not a sacct timestamp (YYYY-MM-DDThh:mm:ss)")),
        (pl.col("_end_naive").is_null(), "End", "_end_raw", pl.lit("not a sacct timestamp (YYYY-MM-DDThh:mm:ss)")),
        (pl.col("_started").is_null(), "Start", "_start_raw", pl.lit(gap)),
        (pl.col("_ended").is_null(), "End", "_end_raw", pl.lit(gap)),
        ((pl.col("_gpus").fill_null(0) == 0) & pl.col("_cores").is_null(), "AllocTRES", "alloctres",
         pl.lit("no GPU and no cpu= in AllocTRES (nor NCPUS): nothing allocated to account")),
    ]  # fmt: skip
    reason = pl.lit(None, dtype=pl.String)
    column = pl.lit(None, dtype=pl.String)
    value = pl.lit(None, dtype=pl.String)
    for cond, col, val, why in reversed(checks):
        reason = pl.when(cond).then(why).otherwise(reason)
        column = pl.when(cond).then(pl.lit(col)).otherwise(column)
        value = pl.when(cond).then(pl.col(val)).otherwise(value)
    jobs = jobs.with_columns(reason.alias("_reason"), column.alias("_rcol"), value.alias("_rval"))
    state_detail = pl.lit("State ") + pl.col("_state").fill_null("not exported")
    status = jobs.filter(pl.col("_reason").is_not_null()).select(
        pl.col("_line").alias("line"),
        pl.col("_rcol").alias("column_name"),
        pl.col("_rval").alias("value"),
        pl.col("_reason").alias("reason"),
        state_detail.alias("detail"),
    )
    jobs = jobs.filter(pl.col("_reason").is_null())

    # GPU model, datacenter, region from the cluster file
    jobs = jobs.with_columns(text(jobs, "partition").alias("_partition"), text(jobs, "nodelist").alias("_nodelist"))
    jobs = jobs.with_columns(_matches_node_rule(cluster)).with_columns(
        _placement(cluster, "gpu_model", pl.col("_gres_type")).alias("_gpu_model"),
        _placement(cluster, "datacenter", pl.col("_gres_type")).alias("_datacenter"),
        _placement(cluster, "region", pl.col("_gres_type")).alias("_region"),
        _placement(cluster, "cpu_model", pl.col("_gres_type")).alias("_cpu_model"),
        (pl.col("_cores") / _threads_per_core(cluster)).alias("_cores"),
    )
    unplaced = jobs.filter(pl.col("_gpu_model").is_null() & (pl.col("_gpus").fill_null(0) > 0))  # CPU jobs need none
    if unplaced.height:
        parts = sorted({p if p is not None else "(no partition)" for p in unplaced["_partition"].to_list()})
        first = unplaced.sort("_line").row(0, named=True)
        raise FileRefused(
            path,
            f"{unplaced.height} GPU job(s) have no GPU model: partition(s) {', '.join(parts)} "
            f"(first: JobID {first['_jobid']}, line {first['_line']}) get no gpu_model from {cluster_path} "
            "(partitions, nodes or gres_types). Add them and ingest again; nothing of this file was stored",
        )

    # requeued jobs listed once per attempt (sacct --duplicates): number the earlier attempts
    jobs = jobs.sort("_jobid", "_started", "_line").with_columns(
        pl.len().over("_jobid").alias("_attempts"),
        pl.int_range(1, pl.len() + 1).over("_jobid").alias("_attempt"),
    )
    run_id = pl.lit(f"slurm:{cluster.cluster}:") + pl.col("_jobid")
    earlier = pl.col("_attempt") < pl.col("_attempts")
    run_id = pl.when(earlier).then(run_id + pl.lit("#") + pl.col("_attempt").cast(pl.String)).otherwise(run_id)
    hosts = pl.col("_nodelist")
    out = jobs.select(
        run_id.alias("run_id"),
        text(jobs, "jobname").alias("name"),
        text(jobs, "account").alias("team"),
        utc_text(pl.col("_started")).alias("started_at"),
        utc_text(pl.col("_ended")).alias("ended_at"),
        pl.when(pl.col("_gpus").fill_null(0) > 0).then(pl.col("_gpu_model")).alias("gpu_model"),
        pl.col("_gpus").fill_null(0.0).cast(pl.Int64, strict=False).cast(pl.String).fill_null(pl.col("_gpus").cast(pl.String))
        .alias("gpu_count"),
        pl.col("_cpu_model").alias("cpu_model"),
        pl.col("_cores").cast(pl.String).alias("cpu_cores"),
        pl.col("_ram_gb").cast(pl.String).alias("ram_gb"),
        pl.col("_region").alias("region"),
        pl.col("_datacenter").alias("datacenter"),
        pl.when(hosts.str.to_lowercase() != "none assigned").then(hosts).alias("hosts"),
        pl.col("_state").alias("job_state"),
        pl.lit("sacct").alias("source_format"),
        pl.col("_line"),
    ).sort("_line")
    from_file = f"cluster file {cluster_path.name}"
    layout = "with header" if header else "no header: fields " + "|".join(cluster.sacct_fields or DEFAULT_FIELDS)
    return Adapted(
        frame=out,
        source_format="sacct",
        description=f"Slurm sacct output ({layout}), cluster {cluster.cluster!r}, times in {tz}, cluster file {cluster_path}",
        problems=pl.concat([bad_id, orphans, status]),
        origins={
            "run_id": "JobID", "name": "JobName", "team": "Account", "started_at": "Start", "ended_at": "End",
            "gpu_count": "AllocTRES", "hosts": "NodeList", "job_state": "State",
            "gpu_model": from_file, "datacenter": from_file, "region": from_file, "cpu_model": from_file,
            "cpu_cores": "AllocTRES", "ram_gb": "AllocTRES",
        },  # fmt: skip
        used_columns=_USED & set(raw.frame.columns),
        folded_records=folded,
    )
