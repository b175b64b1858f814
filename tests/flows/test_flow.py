"""The pipeline as a real Prefect flow, run by Prefect (temporary server, offline)."""

import pytest

from conftest import EXAMPLES
from flows.pipeline import FilesRefused, parse_file, pipeline
from wattledger.ingest import FileRefused, KnownContent, file_sha256
from wattledger.store import connect

# every test here starts on the temporary Prefect server (about 12 s to start, once)
pytestmark = pytest.mark.slow


def test_pipeline_flow_ingests_computes_reports(prefect_harness, tmp_path):
    db, out = tmp_path / "w.duckdb", tmp_path / "r.md"
    result = pipeline(paths=[str(EXAMPLES / "cluster_logs")], db=str(db), period="2024-10", report_out=str(out))
    assert sum(s.loaded for s in result.stored) == 379
    assert result.computed.computed == 379
    assert out.read_text().startswith("# GPU training footprint — October 2024")
    con = connect(db, read_only=True)
    assert con.sql("select count(*) from run_footprints").fetchall() == [(379,)]
    con.close()
    _assert_artifacts_published(str(db))

    import wattledger.pipeline.parse

    def refuse(*args, **kwargs):
        raise AssertionError("a file whose content is stored was parsed again")

    with pytest.MonkeyPatch.context() as m:  # the second run hashes the files and parses none
        for name in ("read_run_log", "read_run_log_pieces", "parse_telemetry"):
            m.setattr(wattledger.pipeline.parse, name, refuse)
        again = pipeline(paths=[str(EXAMPLES / "cluster_logs")], db=str(db), period="2024-10", report_out=str(out))
    assert again.stored and all(s.already_ingested for s in again.stored) and again.computed.nothing_to_do


def _assert_artifacts_published(db: str):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.pipeline import artifact_keys

    report_key, top_key = artifact_keys(db)  # one history per database
    with get_client(sync_client=True) as client:
        arts = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[report_key, top_key])))
    kinds = {a.key: a.type for a in arts}
    assert kinds == {report_key: "markdown", top_key: "table"}
    report = next(a for a in arts if a.key == report_key).data
    assert "](data:image/png;base64," in report and ".png)" not in report  # charts inline, no relative link
    top = next(a for a in arts if a.key == top_key).data
    assert "CO2e (" in str(top)


def test_a_refused_file_fails_the_flow_after_the_others_are_stored(prefect_harness, tmp_path, write):
    bad = write("in/bad.csv", "no,run,id\n1,2,3\n")
    good = write("in/good.csv", "run_id,gpu_count,gpu_hours\na,1,10\n")
    db = tmp_path / "w.duckdb"
    with pytest.raises(FilesRefused, match="bad.csv"):
        pipeline(paths=[str(bad.parent)], db=str(db), report_out=str(tmp_path / "r.md"))
    con = connect(db, read_only=True)
    assert con.sql("select run_id from runs").fetchall() == [("a",)]
    con.close()
    assert good.exists()


def test_parse_task_logic_without_the_engine(tmp_path, write):
    p = write("x.csv", "run_id,gpu_count,gpu_hours\na,1,10\n")
    assert parse_file.fn(p).runs.num_rows == 1
    known = parse_file.fn(p, known=frozenset({file_sha256(p.read_bytes())}))
    assert isinstance(known, KnownContent) and known.path == p.resolve()
    assert isinstance(parse_file.fn(tmp_path / "missing.csv"), FileRefused)


def test_the_flow_follows_the_ledger_rule(prefect_harness, tmp_path):
    """A run moved between two edited files (the receiving one first), then a rotated log."""
    logs = tmp_path / "logs"
    logs.mkdir()
    head = "run_id,started_at,ended_at,gpu_count,gpu_model\n"

    def write(name, *runs):
        (logs / name).write_text(head + "".join(f"{r},2024-10-01T00:00:00Z,2024-10-01T01:00:00Z,1,H100\n" for r in runs))

    def state():
        con = connect(db, read_only=True)
        try:
            return (con.sql("select run_id, regexp_extract(path, '[^/]+$'), absent_since is null from runs "
                            "join source_files using (source_file_id) order by 1").fetchall(),
                    con.sql("select count(*) from rejects").fetchall()[0][0])
        finally:
            con.close()

    db = tmp_path / "w.duckdb"
    write("a.csv", "y")
    write("b.csv", "x", "m")
    pipeline(paths=[str(logs)], db=str(db), report_out=str(tmp_path / "r.md"))
    write("a.csv", "y", "m")
    write("b.csv", "x")
    pipeline(paths=[str(logs)], db=str(db), report_out=str(tmp_path / "r.md"))
    assert state() == ([("m", "a.csv", True), ("x", "b.csv", True), ("y", "a.csv", True)], 0)
    (logs / "b.csv").rename(logs / "b.csv.1")
    write("b.csv", "z")
    pipeline(paths=[str(logs)], db=str(db), report_out=str(tmp_path / "r.md"))
    assert state() == ([("m", "a.csv", True), ("x", "b.csv.1", True), ("y", "a.csv", True), ("z", "b.csv", True)], 0)
