"""Hostile text from the logs (markdown, HTML, pipes, newlines, YAML, spreadsheet formulas in
run ids, names, teams, projects, GPU models, regions) cannot change the structure of what
wattledger writes: the report and the run card have the same skeleton as with plain names, the
model-card block has the same keys, and CSV exports neither run formulas nor gain rows."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from datetime import datetime, timezone

import polars as pl
import pytest
import yaml

from wattledger.compute import compute_footprints
from wattledger.pipeline import ingest_paths
from wattledger.report import write_period_report
from wattledger.report.export import FORMULA_STARTS, export_footprints, model_card_block, run_card
from wattledger.store import connect

FIXED = datetime(2026, 11, 1, tzinfo=timezone.utc)
HEADER = "run_id,name,team,project,started_at,ended_at,gpu_model,gpu_count,avg_power_w,pue,region\n"
HOSTILE = [
    "a|b</td><script>alert(1)</script>",
    "# heading\n- item\n\n| x | y |\n|---|---|",
    "**bold** [link](http://evil.example) ![img](http://evil.example/x.png) `code` _u_ ~~s~~",
    "line\r\nbreak\ttab \\| escaped pipe &amp; <b>",
    "=HYPERLINK(\"http://evil.example\",\"click\")",
    "key: value\nemissions: 0\n- list",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "$\\frac{1}{$ budget $x^2$",  # matplotlib mathtext in a chart label (a parse error unless escaped)
]
# The plain names of the same runs: "\t=1+1" and "\r=1+1" are one team, project, GPU model and
# region once ingest normalises identity text (a control character as a space, then trimmed).
PLAIN = [f"plain{i}" for i in range(len(HOSTILE))]
PLAIN[HOSTILE.index("\r=1+1")] = PLAIN[HOSTILE.index("\t=1+1")]


def _identity(text: str) -> str:
    """Identity text as ingest stores it (sql/queries/ingest/runs_typed.sql)."""
    text = re.sub("[\x00-\x1f\x7f-\x9f\u2028\u2029]+", " ", text)
    text = re.sub("[\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]", "", text)
    return unicodedata.normalize("NFC", text).strip(" ")


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _log(names: list[str]) -> str:
    """One run per name; the name is also its run id, team, project, GPU model and region."""
    rows = []
    for i, n in enumerate(names):
        cells = [f"{n}-{i}", n, n, n, f"2024-10-{i + 1:02d}T00:00:00Z", f"2024-10-{i + 1:02d}T0{1 + i % 8}:00:00Z", n, "8",
                 "400", "1.2", n]
        rows.append(",".join(_quote(c) for c in cells))
    return HEADER + "\n".join(rows) + "\n"


def _database(tmp_path, names, label):
    con = connect(":memory:")
    summary = ingest_paths(con, [_write(tmp_path / f"{label}.csv", _log(names))])
    assert summary.loaded == len(names) and not summary.refused
    compute_footprints(con)
    assert con.sql("select count(*) from run_footprints").fetchall() == [(len(names),)]
    return con


def _write(path, text):
    path.write_bytes(text.encode("utf-8"))
    return path


def _cells(line: str) -> list[str]:
    return re.split(r"(?<!\\)\|", line.strip())[1:-1]  # unescaped pipes only


def _skeleton(markdown: str) -> list[str]:
    """The structure of a markdown text: headings, table rows with their cell count, other lines."""
    out = []
    for line in markdown.splitlines():
        if line.startswith("#"):
            out.append("heading " + line.split(" ", 1)[0])
        elif line.startswith("|"):
            out.append(f"row of {len(_cells(line))}")
        elif line.strip():
            out.append("text")
        else:
            out.append("")
    return out


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """The same runs twice: with hostile names, and with plain ones."""
    tmp = tmp_path_factory.mktemp("hostile")
    hostile = _database(tmp, HOSTILE, "hostile")
    plain = _database(tmp, PLAIN, "plain")
    yield tmp, hostile, plain
    hostile.close()
    plain.close()


def test_the_report_has_the_structure_it_has_with_plain_names(pair):
    tmp, hostile, plain = pair
    evil = write_period_report(hostile, tmp / "evil.md", period="2024-10", generated_at=FIXED).read_text()
    good = write_period_report(plain, tmp / "good.md", period="2024-10", generated_at=FIXED).read_text()
    assert _skeleton(evil) == _skeleton(good)
    headings = [line for line in evil.splitlines() if line.startswith("#")]
    assert headings == [line for line in good.splitlines() if line.startswith("#")]  # the report's own, all of them
    lowered = evil.lower()
    assert "<script" not in lowered and "<b>" not in lowered and "&lt;script&gt;" in lowered
    links = re.compile(r"(?<!\\)\]\(")  # the report's own chart images, and no link or image from the logs
    assert len(links.findall(evil)) == len(links.findall(good)) and "![img]" not in evil


def test_every_table_row_matches_its_header(pair):
    tmp, hostile, _ = pair
    text = write_period_report(hostile, tmp / "evil2.md", period="2024-10", generated_at=FIXED).read_text()
    tables = 0
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if line.startswith("|")]
        if lines:
            tables += 1
            assert len({len(_cells(line)) for line in lines}) == 1, block
    assert tables >= 8


@pytest.mark.parametrize("index", range(len(HOSTILE)))
def test_the_run_card_has_the_structure_it_has_with_a_plain_name(pair, index):
    _, hostile, plain = pair
    evil = run_card(hostile, f"{HOSTILE[index]}-{index}")
    good = run_card(plain, f"{PLAIN[index]}-{index}")
    assert _skeleton(evil) == _skeleton(good)
    assert "<script" not in evil.lower()


@pytest.mark.parametrize("index", range(len(HOSTILE)))
def test_the_model_card_block_keeps_its_keys_and_types(pair, index):
    _, hostile, plain = pair
    evil = yaml.safe_load(model_card_block(hostile, f"{HOSTILE[index]}-{index}", HOSTILE[index]))
    good = yaml.safe_load(model_card_block(plain, f"{PLAIN[index]}-{index}", "pre-training"))
    assert list(evil) == ["co2_eq_emissions"] and list(evil["co2_eq_emissions"]) == list(good["co2_eq_emissions"])
    block = evil["co2_eq_emissions"]
    assert block["emissions"] == pytest.approx(good["co2_eq_emissions"]["emissions"], rel=1e-12)
    assert block["training_type"] == HOSTILE[index]  # text stays text, whatever it holds
    assert block["hardware_used"] == f"8 x {_identity(HOSTILE[index])}"  # the GPU model as stored (identity text)


def test_csv_export_neutralises_every_formula_start_and_keeps_rows(pair):
    tmp, hostile, _ = pair
    out = tmp / "fp.csv"
    assert export_footprints(hostile, out, "csv") == len(HOSTILE)
    text = out.read_bytes().decode("utf-8")  # as written: read_text() would turn CRLF inside a cell into LF
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(rows) == len(HOSTILE)  # newlines inside names stay inside their quoted cells
    for row in rows:
        for column, cell in row.items():
            assert not cell.startswith(FORMULA_STARTS), (column, cell)
    by_name = {r["name"]: r for r in rows}  # the name is stored as written (team etc. are identity text)
    for raw in HOSTILE:
        if raw.startswith(FORMULA_STARTS):
            assert "'" + raw in by_name  # neutralised by a leading apostrophe, otherwise unchanged
        else:
            assert raw in by_name
    assert set(FORMULA_STARTS) >= {"=", "+", "-", "@", "\t", "\r"}
    back = pl.read_csv(out, infer_schema=False)
    assert float(back["energy_mwh"][0]) > 0  # numbers are not neutralised (negative numbers stay numbers)
