"""No input ever produces a traceback (issue 17): every file of the bad-input corpus
(tests/data/bad/), every file of examples/ and every real telemetry capture
(tests/data/telemetry_real/) goes through `wattledger ingest`, alone and by its folder; each
ends with exit status 0 (read) or 1 with a `refused:` line naming it — never an exception."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import EXAMPLES, REPO
from flows.cli import app
from wattledger.ingest import survey

FOLDERS = [REPO / "tests" / "data" / "bad", EXAMPLES, REPO / "tests" / "data" / "telemetry_real"]
FILES = sorted(p for folder in FOLDERS for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def _ingest(tmp_path: Path, target: Path):
    result = CliRunner().invoke(app, ["ingest", str(target), "--db", str(tmp_path / "w.duckdb")])
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{target}: {type(result.exception).__name__}: {result.exception}")
    assert "Traceback" not in result.output, result.output
    assert result.exit_code in (0, 1), result.output
    return result


@pytest.mark.slow
def test_every_file_alone_is_read_or_refused_with_a_reason(tmp_path):
    assert len(FILES) > 100
    for f in FILES:
        result = _ingest(tmp_path, f)
        if result.exit_code == 1:
            assert "refused:" in result.output and f.name in "".join(result.output.split()), result.output


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_every_folder_accounts_for_each_of_its_files(tmp_path, folder):
    """A folder ingest accounts for every file under it (issue 17): each file is read or skipped
    with a reason (survey), and `wattledger ingest FOLDER` lists the read ones as stored or refused
    (why) and counts all three, adding up to the folder's files."""
    files = sorted(p.resolve() for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    found = survey([folder])
    assert sorted(p.resolve() for p in found.files + [k.path for k in found.skipped]) == files  # each file once
    assert all(k.reason for k in found.skipped)
    result = _ingest(tmp_path, folder)
    m = re.search(r"files:(\d+)read,(\d+)refused,(\d+)skipped", "".join(result.output.split()))
    assert m, result.output
    read, refused, skipped = (int(x) for x in m.groups())
    assert (read + refused, skipped) == (len(found.files), len(found.skipped))
    assert refused == result.output.count("refused:")
