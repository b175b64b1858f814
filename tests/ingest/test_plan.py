"""plan_path: what each path is, decided from one read of its head, one detection and one hash."""

import builtins
import hashlib
import importlib
import pickle
import shutil

import pytest

from conftest import EXAMPLES, HEADER
from wattledger.ingest import FileRefused, plan_path
from wattledger.pipeline import parse_planned

# by module name: the package re-exports the function ``detect`` under the module's name
detect_module = importlib.import_module("wattledger.ingest.detect")
plan_module = importlib.import_module("wattledger.ingest.plan")

ROW = "r{},team-a,proj,2024-10-01T08:00:00Z,2024-10-01T10:00:00Z,A100-SXM4-80GB,8,300,1.2,FR"


def _csv(write, name="runs.csv", rows=3):
    return write(name, HEADER + "\n" + "\n".join(ROW.format(i) for i in range(rows)) + "\n")


def test_a_canonical_run_log(write):
    p = _csv(write)
    plan = plan_path(p)
    assert plan.kind == "run_log" and plan.path == p.resolve() and plan.refusal is None
    assert (plan.detection.format, plan.detection.container) == ("canonical", "csv")
    assert plan.sha256 is None  # no stored contents given: hashed when parsed, not before
    assert plan.size_bytes == p.stat().st_size


def test_a_large_canonical_run_log_is_read_in_pieces(write, tmp_path):
    p = _csv(write, rows=200)
    assert plan_path(p, piece_bytes=1024).kind == "large_run_log"
    assert plan_path(p).kind == "run_log"
    assert plan_path(p, piece_records=100).kind == "large_run_log"  # more lines than a piece may hold
    assert plan_path(p, piece_records=1000).kind == "run_log"
    parquet = EXAMPLES / "cluster_logs" / "gcp_runs_2024-10.parquet"  # 80 rows
    assert plan_path(parquet, piece_rows=10).kind == "large_run_log"
    assert plan_path(parquet).kind == "run_log"
    sacct = EXAMPLES / "slurm" / "sacct_2024-10.txt"  # only canonical run logs are read in pieces
    assert plan_path(sacct, piece_bytes=1024).kind == "run_log"


def test_sacct_with_its_cluster_file_and_without(write, tmp_path):
    plan = plan_path(EXAMPLES / "slurm" / "sacct_2024-10.txt")
    assert plan.kind == "run_log" and plan.detection.format == "sacct"
    assert plan.cluster == (EXAMPLES / "slurm" / "cluster.yaml").resolve()
    lone = tmp_path / "lone"
    lone.mkdir()
    shutil.copy(EXAMPLES / "slurm" / "sacct_2024-10.txt", lone / "jobs.txt")
    plan = plan_path(lone / "jobs.txt")
    assert plan.kind == "refused" and "needs a cluster file" in plan.refusal.reason
    given = plan_path(lone / "jobs.txt", cluster=EXAMPLES / "slurm" / "cluster.yaml")
    assert given.kind == "run_log" and given.cluster == (EXAMPLES / "slurm" / "cluster.yaml").resolve()


def test_codecarbon_and_telemetry():
    plan = plan_path(EXAMPLES / "codecarbon" / "gcp-a100" / "emissions.csv")
    assert plan.kind == "run_log" and plan.detection.format == "codecarbon"
    smi = plan_path(EXAMPLES / "telemetry" / "fra-dc-node004_nvidia-smi_2024-10-12.csv")
    assert smi.kind == "telemetry" and smi.detection.format == "nvidia-smi"
    dcgm = plan_path(EXAMPLES / "telemetry" / "tx-colo-2-node032_dcgm_2024-10-25.prom")
    assert dcgm.kind == "telemetry" and dcgm.detection.format == "dcgm"


def test_a_mapping_file_skips_detection(write):
    p = write("jobs.csv", "job_uid,start_ms\n1,2\n")
    plan = plan_path(p, mapping=EXAMPLES / "mappings" / "vision_k8s.mapping.yaml")
    assert plan.kind == "run_log" and plan.detection is None
    assert plan.mapping == (EXAMPLES / "mappings" / "vision_k8s.mapping.yaml").resolve()


def test_known_content_is_hashed_not_detected(write, monkeypatch):
    p = _csv(write)
    sha = hashlib.sha256(p.read_bytes()).hexdigest()
    calls = []
    monkeypatch.setattr(plan_module, "detect", lambda *a: calls.append(a))
    plan = plan_path(p, known_sha256=frozenset({sha}))
    assert plan.kind == "known" and plan.sha256 == sha and calls == []
    monkeypatch.undo()
    other = plan_path(p, known_sha256=frozenset({"0" * 64}))
    assert other.kind == "run_log" and other.sha256 == sha  # hashed once, while its head was read


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.csv", b"", "the file is empty"),
        ("blank.csv", b"\n  \n\n", "the file is empty"),
        ("photo.bin", b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "unknown file type '.bin'"),
        ("notes", b"hello there\n", "a file without suffix"),
    ],
)
def test_files_that_cannot_be_read_are_refused(write, name, content, reason):
    p = write(name, content) if isinstance(content, str) else _write_bytes(write, name, content)
    plan = plan_path(p)
    assert plan.kind == "refused" and isinstance(plan.refusal, FileRefused) and reason in plan.refusal.reason
    assert parse_planned(plan) is plan.refusal


def test_a_missing_or_unreadable_path_is_refused(tmp_path):
    plan = plan_path(tmp_path / "missing.csv")
    assert plan.kind == "refused" and plan.refusal.reason == "cannot read: No such file or directory"
    folder = plan_path(tmp_path)
    assert folder.kind == "refused" and folder.refusal.reason.startswith("cannot read:")


def test_a_plan_travels_to_other_processes(write):
    plan = plan_path(_csv(write), known_sha256=frozenset({"0" * 64}))
    assert pickle.loads(pickle.dumps(plan)) == plan
    refused = plan_path(write("empty.csv", ""))
    assert str(pickle.loads(pickle.dumps(refused)).refusal) == str(refused.refusal)


@pytest.mark.parametrize("known", [frozenset(), frozenset({"0" * 64})])
@pytest.mark.parametrize(
    "path",
    [
        EXAMPLES / "public_runs.csv",
        EXAMPLES / "slurm" / "sacct_2024-10.txt",
        EXAMPLES / "codecarbon" / "gcp-a100" / "emissions.csv",
        EXAMPLES / "telemetry" / "fra-dc-node004_nvidia-smi_2024-10-12.csv",
        EXAMPLES / "telemetry" / "tx-colo-2-node032_dcgm_2024-10-25.prom",
    ],
    ids=lambda p: p.name,
)
def test_planning_reads_the_head_once_and_detects_once(monkeypatch, path, known):
    opened, detected = [], []
    real_open, real_detect = builtins.open, detect_module.detect

    def counting_open(file, *args, **kwargs):
        if str(file) == str(path.resolve()):
            opened.append(args)
        return real_open(file, *args, **kwargs)

    def counting_detect(*args, **kwargs):
        detected.append(args[0])
        return real_detect(*args, **kwargs)

    monkeypatch.setattr(builtins, "open", counting_open)
    monkeypatch.setattr(plan_module, "detect", counting_detect)
    monkeypatch.setattr(detect_module, "detect", counting_detect)
    plan = plan_path(path, known_sha256=known)
    assert len(opened) == 1 and len(detected) == 1
    assert (plan.sha256 is not None) == bool(known)
    parsed = parse_planned(plan)  # the reader uses the plan's detection (and hash): no second detection
    assert len(detected) == 1 and not isinstance(parsed, FileRefused)
    if known:
        assert parsed.content_sha256 == plan.sha256


def _write_bytes(write, name, content):
    p = write(name, "")
    p.write_bytes(content)
    return p
