"""A folder ingest lists every file (issue 17): read, refused (why) or skipped (why) — side files,
other suffixes, and .txt/.log files whose content is no format wattledger reads."""

from __future__ import annotations

import shutil

from typer.testing import CliRunner

from conftest import REPO
from flows.cli import app
from wattledger.ingest import survey
from wattledger.pipeline import ingest_paths

REAL = REPO / "tests" / "data" / "telemetry_real"


def test_survey_gives_each_skipped_file_its_reason(tmp_path, write):
    write("logs/runs.csv", "run_id,started_at,ended_at,gpu_count\nr1,2024-10-01T00:00:00Z,2024-10-01T01:00:00Z,1\n")
    write("logs/README.md", "# notes\n")
    write("logs/cluster.yaml", "cluster: x\n")
    write("logs/train.log", "epoch 1 loss 0.5\nepoch 2 loss 0.4\n")
    write("logs/empty.txt", "")
    shutil.copy(REAL / "smi_dmon.txt", tmp_path / "logs" / "vm_dmon.txt")
    shutil.copy(REAL / "smi_q_power.txt", tmp_path / "logs" / "vm_q_power.txt")
    found = survey([tmp_path / "logs"])
    assert [p.name for p in found.files] == ["runs.csv", "vm_dmon.txt"]  # dmon text is read by its content
    why = {k.path.name: k.reason for k in found.skipped}
    assert set(why) == {"README.md", "cluster.yaml", "train.log", "empty.txt", "vm_q_power.txt"}
    assert why["cluster.yaml"].startswith("cluster file")
    assert why["README.md"].startswith("not a data file (.md")
    assert why["train.log"].startswith("a .log file whose content is not sacct, nvidia-smi (CSV or dmon) or DCGM output")
    assert "nvidia-smi -q" not in why["vm_q_power.txt"] and why["vm_q_power.txt"].startswith("a .txt file")


def test_the_cli_lists_read_refused_and_skipped_files_and_counts_them(tmp_path, write):
    write("mixed/runs.csv", "run_id,started_at,ended_at,gpu_count\nr1,2024-10-01T00:00:00Z,2024-10-01T01:00:00Z,1\n")
    write("mixed/notes.txt", "nothing to see\n")
    shutil.copy(REAL / "smi_units.csv", tmp_path / "mixed" / "vm_smi.csv")  # no telemetry.yaml: refused
    result = CliRunner().invoke(app, ["ingest", str(tmp_path / "mixed"), "--db", str(tmp_path / "w.duckdb")])
    flat = "".join(result.output.split())
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "files:1read,1refused,1skipped" in flat
    assert "skipped" in flat and "notes.txt" in flat and "refused" in flat and "telemetry.yaml" in flat


def test_the_library_summary_holds_the_skipped_files(con, write):
    write("f/runs.csv", "run_id,started_at,ended_at,gpu_count\nr1,2024-10-01T00:00:00Z,2024-10-01T01:00:00Z,1\n")
    write("f/data.json", "{}\n")
    summary = ingest_paths(con, [write("f/x.md", "x").parent])
    assert [s.path.name for s in summary.skipped] == ["data.json", "x.md"] and summary.loaded == 1
