"""Incremental compute converges: a run's telemetry attribution follows its neighbours.

Telemetry is attributed to a run only when no other run shares one of its hosts at an
overlapping time. So when a run arrives on a measured run's host and time, or leaves again
(its file replaced), the measured run's footprint must follow — the same footprint a clean
database computes from the files' current contents.
"""

from __future__ import annotations

import math
import shutil

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES
from wattledger.compute import compute_footprints
from wattledger.pipeline import ingest_paths
from wattledger.store import connect

HEADER = "run_id,team,project,started_at,ended_at,gpu_model,gpu_count,avg_power_w,pue,region,datacenter,hosts\n"
#: oct24-0363 ran 10:02-11:39:40 UTC on fra-dc-node004, whose nvidia-smi log the examples ship;
#: oct24-0351 ran 03:34-03:54:21 UTC on 2024-10-25 on tx-colo-2-node032 (a DCGM scrape).
VARIANTS = {
    "overlaps_0363": "b-1,x,p,2024-10-12T11:00:00Z,2024-10-12T12:30:00Z,L40S,2,,1.25,DE,fra-dc,fra-dc-node[004-004]\n",
    "after_0363": "b-1,x,p,2024-10-12T12:00:00Z,2024-10-12T13:30:00Z,L40S,2,,1.25,DE,fra-dc,fra-dc-node[004-004]\n",
    "overlaps_both": (
        "b-1,x,p,2024-10-12T09:00:00Z,2024-10-12T10:30:00Z,L40S,2,,1.25,DE,fra-dc,fra-dc-node004\n"
        "b-2,x,p,2024-10-25T03:40:00Z,2024-10-25T04:00:00Z,H100-SXM,4,,,US-TEX-ERCO,tx-colo-2,tx-colo-2-node[032-032]\n"
    ),
    "other_host": "b-1,x,p,2024-10-12T11:00:00Z,2024-10-12T12:30:00Z,L40S,2,,1.25,DE,fra-dc,fra-dc-node[005-005]\n",
    "no_hosts": "b-3,x,p,2024-10-12T11:00:00Z,2024-10-12T12:30:00Z,L40S,2,300,1.25,DE,fra-dc,\n",
}
MEASURED = ("oct24-0363", "oct24-0351")
#: a clock time; the factor set hashes source file ids; inputs_sha hashes the inputs' bits (below)
NOT_RESULTS = ("computed_at", "factor_set", "inputs_sha")


def _base(folder):
    """The shipped cluster logs (the CSV) and power telemetry, copied."""
    shutil.copy(EXAMPLES / "cluster_logs" / "team_runs_2024-10.csv", folder / "team_runs.csv")
    shutil.copytree(EXAMPLES / "telemetry", folder / "telemetry")
    return [folder / "team_runs.csv", folder / "telemetry"]


def _footprints(con):
    return con.sql(f"select * exclude ({', '.join(NOT_RESULTS)}) from footprints order by run_id").fetchall()


def _same(a: list[tuple], b: list[tuple]) -> bool:
    """Footprints equal run by run: texts exactly, numbers within a relative 1e-12. The energy
    of a telemetry window is a difference of cumulative sums over the samples read, which
    differ with the batch (a few samples more or less before the run): the last bit may move."""
    def close(x, y):
        if isinstance(x, float) and isinstance(y, float):
            return math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-300)
        return x == y
    return len(a) == len(b) and all(len(r) == len(q) and all(map(close, r, q)) for r, q in zip(a, b, strict=True))


def _power_basis(con, run_id):
    return con.execute("select power_basis from footprints where run_id = ?", [run_id]).fetchall()[0][0]


def _clean(tmp_path, name, extra_text):
    folder = tmp_path / name
    folder.mkdir()
    paths = _base(folder)
    (folder / "extra.csv").write_text(HEADER + extra_text, encoding="utf-8")
    con = connect(folder / "clean.duckdb")
    ingest_paths(con, [*paths, folder / "extra.csv"])
    compute_footprints(con)
    return con


def test_a_run_arriving_on_a_measured_runs_host_and_leaving_again(tmp_path):
    work = tmp_path / "incremental"
    work.mkdir()
    paths = _base(work)
    extra = work / "extra.csv"
    con = connect(work / "w.duckdb")
    ingest_paths(con, paths)
    compute_footprints(con)
    assert _power_basis(con, "oct24-0363") == "measured"

    extra.write_text(HEADER + VARIANTS["overlaps_0363"], encoding="utf-8")
    ingest_paths(con, [extra])
    result = compute_footprints(con)
    assert result.computed >= 2  # the new run, and oct24-0363 re-checked and recomputed
    assert _power_basis(con, "oct24-0363") == "tdp"  # the samples could be either run's
    note = con.execute("select power_source from footprints where run_id = 'oct24-0363'").fetchall()[0][0]
    assert "b-1" in note
    clean = _clean(tmp_path, "clean_overlap", VARIANTS["overlaps_0363"])
    assert _same(_footprints(con), _footprints(clean))

    extra.write_text(HEADER + VARIANTS["after_0363"], encoding="utf-8")  # b-1 moves out of the way
    ingest_paths(con, [extra])
    compute_footprints(con)
    assert _power_basis(con, "oct24-0363") == "measured"
    assert _same(_footprints(con), _footprints(_clean(tmp_path, "clean_after", VARIANTS["after_0363"])))
    assert con.sql("select count(*) from compute_rechecks").fetchall()[0][0] == 0  # consumed

    again = compute_footprints(con)
    assert again.nothing_to_do  # converged: a further compute has nothing to do


def test_new_runs_elsewhere_recheck_nothing_measured(tmp_path):
    work = tmp_path / "w"
    work.mkdir()
    con = connect(work / "w.duckdb")
    ingest_paths(con, _base(work))
    compute_footprints(con)
    before = _footprints(con)
    (work / "extra.csv").write_text(HEADER + VARIANTS["no_hosts"], encoding="utf-8")
    ingest_paths(con, [work / "extra.csv"])
    result = compute_footprints(con)
    assert (result.computed, result.unchanged) == (1, 0)  # a run without hosts has no neighbours
    assert [r for r in _footprints(con) if r[0] != "b-3"] == before


@pytest.mark.slow
@settings(max_examples=12, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(sorted(VARIANTS)), st.just("compute")), min_size=1, max_size=6))
def test_any_interleaving_of_ingest_and_compute_equals_one_clean_compute(tmp_path_factory, steps):
    """Property: file edits (ingested at once) and compute calls in any order, then a compute,
    give per run the footprints a clean database computes from the final files plus the runs
    no longer in them, kept as last read (the ledger rule, docs/reliability.md 1b)."""
    tmp_path = tmp_path_factory.mktemp("interleaving")
    work = tmp_path / "w"
    work.mkdir()
    paths = _base(work)
    extra = work / "extra.csv"
    con = connect(work / "w.duckdb")
    ingest_paths(con, paths)
    final = None
    last_read: dict[str, str] = {}  # run_id -> its line as last read (an absent run keeps it)
    for step in steps:
        if step == "compute":
            compute_footprints(con)
        else:
            extra.write_text(HEADER + VARIANTS[step], encoding="utf-8")
            ingest_paths(con, [extra])
            final = step
            last_read |= {line.split(",")[0]: line for line in VARIANTS[step].splitlines()}
    compute_footprints(con)
    if final is None:
        clean_folder = tmp_path / "clean"
        clean_folder.mkdir()
        clean = connect(clean_folder / "c.duckdb")
        ingest_paths(clean, _base(clean_folder))
        compute_footprints(clean)
    else:
        in_final = {line.split(",")[0] for line in VARIANTS[final].splitlines()}
        kept = "".join(f"{line}\n" for run_id, line in sorted(last_read.items()) if run_id not in in_final)
        clean = _clean(tmp_path, "clean", VARIANTS[final] + kept)
    assert _same(_footprints(con), _footprints(clean))
    for run_id in MEASURED:
        assert _power_basis(con, run_id) == _power_basis(clean, run_id)
