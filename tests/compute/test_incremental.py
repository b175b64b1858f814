"""Incremental work: an unchanged second run does nothing; a changed file replaces its runs;
a factor change recomputes only the runs it affects."""

import pytest

from conftest import EXAMPLES, HEADER
from wattledger.compute import compute_footprints
from wattledger.pipeline import ingest_paths, load_site_file

ROW = "{id},t,p,2024-10-01T00:00:00Z,2024-10-01T10:00:00Z,H100-SXM,{gpus},500,1.2,FR\n"


def _write_runs(path, runs: dict[str, int]):
    path.write_text(HEADER + "\n" + "".join(ROW.format(id=r, gpus=g) for r, g in runs.items()))
    return path


def _footprints(con):
    return dict(con.sql("select run_id, energy_kwh from footprints").fetchall())


def _consistent(con):
    """No orphans: every footprint has its run, every run present in its file belongs to a
    current file (an absent run keeps the version it left: the ledger rule)."""
    orphans = con.sql("""
        select (select count(*) from footprints where run_id not in (select run_id from runs)),
               (select count(*) from runs where absent_since is null and source_file_id not in
                    (select source_file_id from source_files where replaced_by_source_file_id is null)),
               (select count(*) from rejects where source_file_id not in
                    (select source_file_id from source_files where replaced_by_source_file_id is null))
    """).fetchall()[0]
    assert orphans == (0, 0, 0)


def _parsing_forbidden(monkeypatch):
    import wattledger.pipeline.parse

    def refuse(*args, **kwargs):
        raise AssertionError("a file whose content is stored was parsed again")

    for name in ("read_run_log", "read_run_log_pieces", "parse_telemetry"):
        monkeypatch.setattr(wattledger.pipeline.parse, name, refuse)


def test_an_unchanged_second_run_does_no_work(con, monkeypatch):
    paths = [EXAMPLES / "public_runs.csv", EXAMPLES / "cluster_logs"]
    ingest_paths(con, paths)
    load_site_file(con, EXAMPLES / "datacenters.yaml")
    first = compute_footprints(con)
    assert first.computed > 300
    with monkeypatch.context() as m:
        _parsing_forbidden(m)  # stored files are hashed, not parsed
        again = ingest_paths(con, paths)
    assert again.loaded == 0 and again.stored and all(s.already_ingested for s in again.stored)
    assert {s.format for s in again.stored} == {"csv", "ndjson", "parquet"}  # the stored files' formats, told back
    load_site_file(con, EXAMPLES / "datacenters.yaml")  # the same site file again
    second = compute_footprints(con)
    assert second.nothing_to_do and second.batches == 0 and second.factor_set == first.factor_set


def test_a_changed_file_replaces_its_runs_and_keeps_those_it_lost(con, tmp_path):
    path = _write_runs(tmp_path / "runs.csv", {"a": 1, "b": 2, "c": 4})
    v1 = ingest_paths(con, [path]).stored[0]
    assert compute_footprints(con).computed == 3
    before = _footprints(con)

    _write_runs(path, {"a": 1, "b": 8, "d": 2})  # b changed, c gone, d new
    v2 = ingest_paths(con, [path]).stored[0]
    assert (v2.loaded, v2.replaced_source_file_id, v2.absent_rows) == (3, v1.source_file_id, 1)
    # the ledger rule: c, no longer in the file, is kept, flagged, with the version it left
    assert con.sql("select run_id, source_file_id, absent_since is not null from runs order by 1").fetchall() == [
        ("a", v2.source_file_id, False), ("b", v2.source_file_id, False), ("c", v1.source_file_id, True),
        ("d", v2.source_file_id, False)]
    old = con.sql("select replaced_by_source_file_id, replaced_at is not null from source_files "
                  "where source_file_id = ?", params=[v1.source_file_id]).fetchall()
    assert old == [(v2.source_file_id, True)]  # the replacement is recorded
    result = compute_footprints(con)
    assert (result.computed, result.unchanged) == (2, 1)  # b and d computed; a kept, no kernel work
    after = _footprints(con)
    assert after["a"] == before["a"] and after["b"] == pytest.approx(4 * before["b"], rel=1e-12)
    assert after["c"] == before["c"]  # kept with its footprint
    _consistent(con)

    copy = _write_runs(tmp_path / "copy.csv", {"a": 1, "b": 8, "d": 2})  # the current content at another path
    assert ingest_paths(con, [copy]).stored[0].already_ingested

    _write_runs(path, {"a": 1, "b": 2, "c": 4})  # back to the first content (replaced, so not current): parsed again
    v3 = ingest_paths(con, [path]).stored[0]
    assert not v3.already_ingested and v3.replaced_source_file_id == v2.source_file_id
    compute_footprints(con)
    now = _footprints(con)
    assert {k: now[k] for k in before} == pytest.approx(before, rel=1e-12)
    assert con.sql("select run_id from runs where absent_since is not null").fetchall() == [("d",)]  # d kept
    _consistent(con)


def test_a_factor_change_recomputes_only_the_runs_it_affects(con, tmp_path):
    ingest_paths(con, [EXAMPLES / "cluster_logs"])
    load_site_file(con, EXAMPLES / "datacenters.yaml")
    compute_footprints(con)
    site_text = (EXAMPLES / "datacenters.yaml").read_text()
    dc, old_pue = "tx-colo-2", "monthly_pue: [1.22, 1.22, 1.25, 1.28, 1.33, 1.40, 1.45, 1.45, 1.38, 1.30, 1.25, 1.22]"
    assert site_text.count(old_pue) == 1
    changed = tmp_path / "datacenters.yaml"
    changed.write_text(site_text.replace(old_pue, old_pue.replace("1.33", "1.5").replace("1.30", "1.5")))
    affected = con.sql("select count(*) from runs where datacenter = ? and pue is null", params=[dc]).fetchall()[0][0]
    total = con.sql("select count(*) from footprints").fetchall()[0][0]
    assert 0 < affected < total
    load_site_file(con, changed)
    result = compute_footprints(con)
    assert result.computed == affected
    assert result.unchanged + result.computed + result.unresolved == total + result.unresolved
    pues = con.sql("select distinct f.pue from footprints f join runs r using (run_id) where r.datacenter = ? "
                   "and r.pue is null", params=[dc]).fetchall()
    assert (1.5,) in pues
