"""The bad-input corpus (tests/data/bad/, outcomes in tests/data/bad/expected.yaml): each file,
ingested through the public library into an empty database, ends exactly as the manifest says —
loaded runs, rejects with line, column and reason, or a refusal that stores nothing — and the
database holds exactly that. Binary cases are generated here, in the test's folder."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from typer.testing import CliRunner

from conftest import REPO
from flows.cli import app
from wattledger.pipeline import ingest_paths
from wattledger.store import connect

BAD = REPO / "tests" / "data" / "bad"
MANIFEST = yaml.safe_load((BAD / "expected.yaml").read_text(encoding="utf-8"))["cases"]
H = "run_id,team,started_at,ended_at,gpu_model,gpu_count\n"


# --- generated cases -----------------------------------------------------------------------


def _garbage(n: int) -> bytes:
    """Deterministic pseudo-random bytes (a SHA-256 chain: the same on every platform and version)."""
    out, block = bytearray(), b"wattledger bad input"
    while len(out) < n:
        block = hashlib.sha256(block).digest()
        out += block
    return bytes(out[:n])


def _parquet(table: pa.Table | pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    if isinstance(table, pl.DataFrame):
        table.write_parquet(buf)
    else:
        pq.write_table(table, buf)
    return buf.getvalue()


def _good_parquet() -> bytes:
    return _parquet(pl.DataFrame({"run_id": ["g1", "g2"], "gpu_count": [8, 8], "gpu_hours": [1.0, 2.0]}))


def _bad_values_parquet() -> bytes:
    """Typed columns: NaN, inf, negative and huge floats, an unsigned 2^64-1, years 1 and 9999, and
    pq7's timestamps without a zone (read as UTC)."""
    return _parquet(pl.DataFrame({
        "run_id": [f"pq{i}" for i in range(1, 8)],
        "gpu_count": pl.Series([8, 8, 8, 8, 2**64 - 1, 8, 1], dtype=pl.UInt64),
        "gpu_hours": [float("nan"), float("inf"), -1.0, 1e300, 1.0, None, None],
        "started_at": [None] * 5 + [datetime(1, 1, 1), datetime(2024, 10, 1, 8)],
        "ended_at": [None] * 5 + [datetime(9999, 12, 31), datetime(2024, 10, 1, 10)],
    }))


def _zoned_parquet() -> bytes:
    """Timestamps with a zone: 08:00 in Paris is 06:00 UTC (summer time)."""
    return _parquet(pl.DataFrame({
        "run_id": ["pz1"], "gpu_count": [1],
        "started_at": [datetime(2024, 10, 1, 8)], "ended_at": [datetime(2024, 10, 1, 10)],
    }).with_columns(pl.col("started_at", "ended_at").dt.replace_time_zone("Europe/Paris")))


GENERATORS = {
    "binary_garbage.csv": lambda p: p.write_bytes(_garbage(64 * 1024)),
    "binary_garbage.bin": lambda p: p.write_bytes(_garbage(64 * 1024)),
    "gzip_log.csv": lambda p: p.write_bytes(gzip.compress((H + "gz1,vision,2024-10-01,2024-10-02,H100-SXM,8\n").encode(), mtime=0)),
    "png_image.csv": lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n" + _garbage(2048)),
    "nul_tail.csv": lambda p: p.write_bytes(
        (H + "nt1,vision,2024-10-01,2024-10-02,H100-SXM,8\nnt2,vision,2024-10-01,2024-10-02,H100-SXM,8\n").encode() + b"\0" * 4096),
    "truncated.parquet": lambda p: p.write_bytes(_good_parquet()[: len(_good_parquet()) // 2]),
    "garbage_with_magic.parquet": lambda p: p.write_bytes(b"PAR1" + _garbage(4096) + b"PAR1"),
    "boolean_column.parquet": lambda p: p.write_bytes(_parquet(
        pl.DataFrame({"run_id": ["b1"], "gpu_count": [8], "gpu_hours": [1.0], "is_spot": [True]}))),
    "nested_column.parquet": lambda p: p.write_bytes(_parquet(
        pl.DataFrame({"run_id": ["n1"], "gpu_count": [8], "gpu_hours": [1.0], "meta": [{"a": 1}]}))),
    "duration_column.parquet": lambda p: p.write_bytes(_parquet(
        pl.DataFrame({"run_id": ["d1"], "gpu_count": [8], "gpu_hours": [timedelta(hours=1)]}))),
    "binary_not_utf8.parquet": lambda p: p.write_bytes(_parquet(pa.table({
        "run_id": ["x1", "x2"], "gpu_count": [8, 8], "gpu_hours": [1.0, 1.0],
        "team": pa.array([b"vision", b"caf\xe9"], pa.binary())}))),
    "duplicate_columns.parquet": lambda p: p.write_bytes(_parquet(pa.table(
        [pa.array(["a"]), pa.array(["b"]), pa.array([8]), pa.array([1.0])], names=["run_id", "RUN_ID", "gpu_count", "gpu_hours"]))),
    "empty.parquet": lambda p: p.write_bytes(_parquet(
        pl.DataFrame(schema={"run_id": pl.String, "gpu_count": pl.Int64, "gpu_hours": pl.Float64}))),
    "bad_values.parquet": lambda p: p.write_bytes(_bad_values_parquet()),
    "zoned_timestamps.parquet": lambda p: p.write_bytes(_zoned_parquet()),
}


def _symlink_loop(folder: Path) -> None:
    folder.mkdir()
    (folder / "runs.csv").write_text(H + "sl1,vision,2024-10-01,2024-10-02,H100-SXM,8\n"
                                          "sl2,vision,2024-10-01,2024-10-02,H100-SXM,8\n")
    (folder / "self").symlink_to(folder, target_is_directory=True)  # a folder containing itself
    (folder / "sub").mkdir()
    (folder / "sub" / "up").symlink_to(folder, target_is_directory=True)
    (folder / "a.csv").symlink_to(folder / "b.csv")  # a loop between two names
    (folder / "b.csv").symlink_to(folder / "a.csv")
    (folder / "dangling.csv").symlink_to(folder / "nowhere.csv")
    (folder / "z_link_to_runs.csv").symlink_to(folder / "runs.csv")  # the same content again


# --- checking an outcome ---------------------------------------------------------------------


def _totals(con) -> tuple[int, ...]:
    return con.sql("select (select count(*) from source_files), (select count(*) from runs), "
                   "(select count(*) from rejects), (select count(*) from power_samples)").fetchall()[0]


def _source(case_id: str, spec: dict, tmp_path: Path) -> Path:
    if case_id.startswith("generated/"):
        path = tmp_path / case_id.removeprefix("generated/").rstrip("/")
        if case_id.endswith("/"):
            _symlink_loop(path)
        else:
            GENERATORS[path.name](path)
        return path
    return BAD / spec.get("file", case_id)


def _as_expected(value):
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat()
    return value


def _check_stored(con, path: Path, spec: dict) -> None:
    row = con.execute(
        "select source_file_id, format, records, rows_loaded, rows_rejected, folded_records, ignored_columns "
        "from source_files where path = ?", [str(path.resolve())]).fetchall()
    assert len(row) == 1, f"{path} is not recorded once in source_files"
    file_id, fmt, records, loaded, rejected, folded, ignored = row[0]
    telemetry = fmt in ("nvidia-smi", "dcgm")
    stored = con.execute(f"select count(*) from {'power_samples' if telemetry else 'runs'} where source_file_id = ?",  # table names are constants
                         [file_id]).fetchall()[0][0]
    rejects = con.execute("select line, column_name, reason, detail from rejects where source_file_id = ? "
                          "order by line, column_name nulls first, reason", [file_id]).fetchall()
    expected = sorted((tuple(r) for r in spec.get("rejects", [])), key=lambda r: (r[0], r[1] or "", r[2]))
    assert [r[:3] for r in rejects] == [tuple(r[:3]) for r in expected]
    for got, want in zip(rejects, expected, strict=True):
        if len(want) > 3:
            assert want[3] in (got[3] or ""), f"line {got[0]}: detail {got[3]!r} lacks {want[3]!r}"
    distinct_lines = len({r[0] for r in rejects})
    assert (loaded, stored) == (spec["loaded"], spec["loaded"])
    assert rejected == distinct_lines
    assert folded == spec.get("folded", 0)
    assert records == loaded + rejected + folded  # every record ends in exactly one place
    assert sorted(ignored) == sorted(spec.get("ignored", []))
    for run_id, columns in spec.get("runs", {}).items():
        got = con.sql("select * from runs where run_id = ? and source_file_id = ?", params=[run_id, file_id]).pl()
        assert got.height == 1, f"run {run_id!r} not stored from {path.name}"
        values = got.row(0, named=True)
        for column, want in columns.items():
            have = _as_expected(values[column])
            assert have == (pytest.approx(want, rel=1e-12) if isinstance(want, float) else want), (run_id, column)


def _ingest(con, paths, spec):
    mapping = BAD / spec["mapping"] if "mapping" in spec else None
    return ingest_paths(con, paths, mapping)


@pytest.fixture(scope="module")
def empty_db(tmp_path_factory) -> Path:
    """A database with the schema and nothing else, copied for each case (faster than migrating)."""
    path = tmp_path_factory.mktemp("empty") / "empty.duckdb"
    connect(path).close()
    return path


@pytest.mark.parametrize("case_id", sorted(MANIFEST))
def test_bad_input_has_its_exact_outcome(case_id, tmp_path, empty_db):
    spec = MANIFEST[case_id]
    path = _source(case_id, spec, tmp_path)
    shutil.copy(empty_db, tmp_path / "case.duckdb")
    con = connect(tmp_path / "case.duckdb")
    try:
        for before in spec.get("after", []):
            first = _ingest(con, [BAD / before], spec)
            assert not first.refused
        totals = _totals(con)
        summary = _ingest(con, [path], spec)
        if "refused" in spec:
            assert not summary.stored and len(summary.refused) == 1
            message = str(summary.refused[0])
            assert spec["refused"] in message
            assert Path(summary.refused[0].path).name in (path.name, Path(spec.get("mapping", "")).name)
            assert _totals(con) == totals  # nothing of a refused file is stored
        elif "files" in spec:  # a folder
            assert [Path(s.path).name for s in summary.stored] == [w["name"] for w in spec["files"]]
            assert not summary.refused
            for outcome, want in zip(summary.stored, spec["files"], strict=True):
                if want.get("already_ingested"):
                    assert outcome.already_ingested and outcome.loaded == 0
                else:
                    _check_stored(con, path / want["name"], want)
            assert _totals(con)[1] == sum(w.get("loaded", 0) for w in spec["files"])
        else:
            assert not summary.refused, summary.refused
            _check_stored(con, path, spec)
            files, runs, rejects, samples = _totals(con)
            assert (files, runs + samples) == (totals[0] + 1, totals[1] + totals[3] + spec["loaded"])
            assert rejects == totals[2] + len(spec.get("rejects", []))
            again = _ingest(con, [path], spec)  # the same content again adds nothing
            assert again.stored[0].already_ingested and _totals(con) == (files, runs, rejects, samples)
    finally:
        con.close()


def test_every_corpus_file_has_a_case():
    """A file added to tests/data/bad/ without an expected outcome fails here."""
    sidecars = {"expected.yaml", "cluster.yaml", "telemetry.yaml", "k8s.yaml", ".gitattributes"}
    files = {p.relative_to(BAD).as_posix() for p in BAD.rglob("*") if p.is_file() and p.name not in sidecars}
    covered = {spec.get("file", case) for case, spec in MANIFEST.items()} | {c for c in MANIFEST}
    assert files - covered == set()


def test_corpus_counts_by_format():
    """The closing note of issue #8 counts the cases; this keeps the count honest."""
    kinds = {}
    for case in MANIFEST:
        kind = case.split("/")[0] if not case.startswith("generated/") else (
            "parquet" if case.endswith(".parquet") else "folder" if case.endswith("/") else "csv")
        kinds[kind.removesuffix("_no_cluster").removesuffix("_no_sidecar").removesuffix("_v1")] = (
            kinds.get(kind.removesuffix("_no_cluster").removesuffix("_no_sidecar").removesuffix("_v1"), 0) + 1)
    assert sum(kinds.values()) == len(MANIFEST) >= 70
    assert set(kinds) == {"csv", "parquet", "ndjson", "sacct", "codecarbon", "mapping", "telemetry", "folder"}


def test_cli_ingest_of_the_csv_corpus_folder_adds_up(tmp_path):
    """`wattledger ingest tests/data/bad/csv`: exit status 1 (some files refused), every refusal
    printed, and the database holds exactly the sum of the manifest's outcomes for the folder."""
    cases = {c: s for c, s in MANIFEST.items() if c.startswith("csv/")}
    db = tmp_path / "w.duckdb"
    result = CliRunner().invoke(app, ["ingest", str(BAD / "csv"), "--db", str(db)], catch_exceptions=False)
    assert result.exit_code == 1
    refused = [c for c, s in cases.items() if "refused" in s]
    assert result.output.count("refused:") == len(refused)
    con = connect(db, read_only=True)
    try:
        files, runs, rejects, _ = _totals(con)
    finally:
        con.close()
    stored = [s for s in cases.values() if "refused" not in s]
    assert files == len(stored)
    assert runs == sum(s["loaded"] for s in stored)
    assert rejects == sum(len(s.get("rejects", [])) for s in stored)
    assert f"{runs} runs loaded" in result.output


def test_a_named_link_loop_is_refused_not_followed(tmp_path):
    (tmp_path / "a.csv").symlink_to(tmp_path / "b.csv")
    (tmp_path / "b.csv").symlink_to(tmp_path / "a.csv")
    con = connect(":memory:")
    summary = ingest_paths(con, [tmp_path / "a.csv"])
    assert [r.reason for r in summary.refused] == ["no such file or folder"] and not summary.stored
    assert _totals(con) == (0, 0, 0, 0)
    con.close()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need a POSIX system")
def test_a_named_pipe_in_a_folder_is_skipped(tmp_path):
    """A FIFO named *.csv would block a reader forever; folders skip everything but files."""
    folder = tmp_path / "logs"
    folder.mkdir()
    os.mkfifo(folder / "pipe.csv")
    (folder / "runs.csv").write_text(H + "fp1,vision,2024-10-01,2024-10-02,H100-SXM,8\n")
    con = connect(":memory:")
    summary = ingest_paths(con, [folder])
    assert [Path(s.path).name for s in summary.stored] == ["runs.csv"] and summary.loaded == 1
    con.close()
