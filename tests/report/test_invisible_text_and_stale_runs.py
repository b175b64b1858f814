"""Invisible and control characters from the logs, through ingest to the report and the run card:
the report stays valid UTF-8 text without NUL, no bidi control or line separator reaches it raw,
`$x$` shows literally; identity text (run ids, teams, ...) spelled in NFD or with a zero-width
space is the same key. And the report's summary says how many runs have no current footprint."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from typer.testing import CliRunner

from flows.cli import app
from wattledger.compute import compute_footprints, current_factor_set
from wattledger.pipeline import ingest_paths
from wattledger.report import write_period_report
from wattledger.report import markdown as md
from wattledger.report.export import run_card
from wattledger.store import connect

FIXED = datetime(2026, 11, 1, tzinfo=timezone.utc)
HEADER = "run_id,name,team,project,started_at,ended_at,gpu_model,gpu_count,avg_power_w,pue,region\n"

#: One character of each class, with its visible escape in the report.
CLASSES = {
    "nul": ("\x00", "\\u0000"),
    "vertical tab": ("\x0b", "\\u000b"),
    "form feed": ("\x0c", "\\u000c"),
    "escape": ("\x1b", "\\u001b"),
    "delete": ("\x7f", "\\u007f"),
    "c1 next line": ("\x85", "\\u0085"),
    "c1 csi": ("\x9b", "\\u009b"),
    "line separator": ("\u2028", "\\u2028"),
    "paragraph separator": ("\u2029", "\\u2029"),
    "lre": ("\u202a", "\\u202a"),
    "rlo": ("\u202e", "\\u202e"),
    "lri": ("\u2066", "\\u2066"),
    "pdi": ("\u2069", "\\u2069"),
    "rlm": ("\u200f", "\\u200f"),
    "zero-width space": ("\u200b", "\\u200b"),
    "zero-width joiner": ("\u200d", "\\u200d"),
    "word joiner": ("\u2060", "\\u2060"),
    "bom": ("\ufeff", "\\ufeff"),
}
#: What must never reach a report raw.
RAW_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060\u2066-\u2069\ufeff]")


def _row(run_id: str, name: str, team: str, day: int, region: str = "FR", gpu_model: str = "H100-SXM", hours: int = 2) -> str:
    cells = [run_id, name, team, "proj", f"2024-10-{day:02d}T00:00:00Z", f"2024-10-{day:02d}T{hours:02d}:00:00Z", gpu_model, "8",
             "400", "1.2", region]
    return ",".join('"' + c.replace('"', '""') + '"' for c in cells) + "\n"


def _write(path, text: str):
    path.write_bytes(text.encode("utf-8"))
    return path


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """One run per character class: the character in the name (stored as written), run id, team
    and GPU model (identity text: normalised); one run named `$x$` and one `$\\frac{1}{2}$`."""
    tmp = tmp_path_factory.mktemp("invisible")
    rows = [_row(f"run{ch}-{i}", f"name{ch}x", f"team{ch}-{i}", 1 + i % 28, gpu_model=f"H100{ch}-SXM")
            for i, (ch, _) in enumerate(CLASSES.values())]
    rows.append(_row("math-1", "$x$", "$x$ team", 2, hours=20))  # the most CO2e: both in the top runs
    rows.append(_row("math-2", "budget $\\frac{1}{2}$ and $5", "t", 3, hours=20))
    con = connect(":memory:")
    summary = ingest_paths(con, [_write(tmp / "runs.csv", HEADER + "".join(rows))])
    assert summary.loaded == len(rows) and not summary.refused, summary
    compute_footprints(con)
    report = write_period_report(con, tmp / "report.md", period="2024-10", generated_at=FIXED)
    yield con, report.read_bytes()
    con.close()


def test_the_report_is_utf8_text_without_nul_or_raw_invisible_characters(hostile):
    _, data = hostile
    assert b"\x00" not in data
    text = data.decode("utf-8")  # valid UTF-8
    assert not RAW_FORBIDDEN.search(text), repr(RAW_FORBIDDEN.search(text).group())
    assert "\u202e" not in text and "\u2066" not in text  # no bidi override reaches the output raw
    shown = re.findall(r"name(\\u[0-9a-f]{4})x", text)  # the top runs' names, stored as written, shown escaped
    assert len(shown) >= 8 and set(shown) <= {v for _, v in CLASSES.values()}


@pytest.mark.parametrize("label", list(CLASSES))
def test_each_character_class_shows_as_a_visible_escape_in_the_run_card(hostile, label):
    con, _ = hostile
    char, shown = CLASSES[label]
    i = list(CLASSES).index(label)
    card = run_card(con, f"run{char}-{i}")  # looked up as typed: normalised like the stored id
    assert not RAW_FORBIDDEN.search(card) and "\x00" not in card
    assert f"name{shown}x" in card  # the name, stored as written, shown escaped
    assert md.text(f"a{char}b") == f"a{shown}b"


def test_identity_text_loses_invisible_characters_and_controls(hostile):
    con, _ = hostile
    ids = {r[0] for r in con.sql("select run_id from runs").fetchall()}
    teams = {r[0] for r in con.sql("select team from runs").fetchall()}
    models = {r[0] for r in con.sql("select gpu_model from runs").fetchall()}
    for i, (label, (char, _)) in enumerate(CLASSES.items()):
        control = char in "\x00\x0b\x0c\x1b\x7f\x85\x9b\u2028\u2029"
        assert (f"run -{i}" if control else f"run-{i}") in ids, label  # a control run as one space, then trimmed
        assert (f"team -{i}" if control else f"team-{i}") in teams, label
    assert not any(RAW_FORBIDDEN.search(x) for x in ids | teams | models)


def test_dollar_signs_show_literally_not_as_mathematics(hostile):
    _, data = hostile
    text = data.decode("utf-8")
    assert "\\$x\\$" in text and "\\$x\\$ team" in text  # `$x$` renders as $x$, not an italic x
    assert "budget \\$\\\\frac{1}{2}\\$ and \\$5" in text
    assert not re.search(r"(?<!\\)\$", text.split("## Methodology")[0])  # no unescaped $ from the logs


def test_nfd_nfc_and_zero_width_spellings_are_one_run(tmp_path):
    """The second spelling of a run id (NFD for NFC, a zero-width space added) is the same run:
    within a file every copy is rejected as repeated; in a later file it is a duplicate."""
    con = connect(":memory:")
    first = ingest_paths(con, [_write(tmp_path / "a.csv", HEADER + _row("caf\u00e9", "n", "Équipe", 1)
                                      + _row("zw", "n", "t", 2))])
    assert first.loaded == 2
    second = ingest_paths(con, [_write(tmp_path / "b.csv", HEADER + _row("cafe\u0301", "n", "E\u0301quipe", 3)
                                       + _row("z\u200bw", "n", "t", 4) + _row("new", "n", "E\u0301quipe", 5))])
    assert (second.loaded, second.rejected) == (1, 2)
    assert con.sql("select line, reason from rejects order by line").fetchall() == [
        (2, "run_id already loaded from another file"), (3, "run_id already loaded from another file")]
    assert con.sql("select count(distinct team) from runs where team like '%quipe'").fetchall() == [(1,)]
    same_file = ingest_paths(con, [_write(tmp_path / "c.csv", HEADER + _row("x\u00e9", "n", "t", 6)
                                          + _row("xe\u0301", "n", "t", 7) + _row("\u200b\ufeff", "n", "t", 8))])
    assert (same_file.loaded, same_file.rejected) == (0, 3)
    reasons = con.sql("select line, reason from rejects where line > 0 and reason not like '%another file' "
                      "order by line").fetchall()
    assert reasons == [(2, "run_id repeated within this file"), (3, "run_id repeated within this file"),
                       (4, "run_id is empty once control and invisible characters are removed")]


# --- runs without a current footprint ---------------------------------------------------


def _summary(path) -> str:
    text = path.read_text(encoding="utf-8")
    return text.split("## Executive summary", 1)[1].split("\n## ", 1)[0]


def test_the_summary_says_how_many_runs_have_no_current_footprint(tmp_path):
    """Ingest, compute, ingest more, report without compute: the summary names the runs not computed
    and the command; a changed file's runs keep their old figures and are counted stale; after
    compute the summary says nothing of it."""
    con = connect(":memory:")
    ingest_paths(con, [_write(tmp_path / "a.csv", HEADER + "".join(_row(f"a{i}", "n", "t", 1 + i) for i in range(4)))])
    compute_footprints(con)
    out = tmp_path / "r.md"
    assert "no current footprint" not in _summary(write_period_report(con, out, period="2024-10", generated_at=FIXED))

    ingest_paths(con, [_write(tmp_path / "b.csv", HEADER + "".join(_row(f"b{i}", "n", "t", 10 + i) for i in range(3)))])
    summary = _summary(write_period_report(con, out, period="2024-10", generated_at=FIXED))
    assert "3 runs started in October 2024 have no current footprint" in summary
    assert "3 runs never computed (not in these figures)" in summary and "`wattledger compute`" in summary
    assert "stale" not in summary
    assert "no current footprint" not in _summary(write_period_report(con, out, period="2024-09", generated_at=FIXED))

    # a.csv corrected (a1's power changes): until compute, its four runs show their old figures
    _write(tmp_path / "a.csv", HEADER + "".join(_row(f"a{i}", "n", "t", 1 + i) for i in range(4)).replace('"400"', '"500"', 1))
    ingest_paths(con, [tmp_path / "a.csv"])
    summary = _summary(write_period_report(con, out, period="2024-10", generated_at=FIXED))
    assert "7 runs started in October 2024 have no current footprint" in summary
    assert "3 runs never computed" in summary and "4 runs with a stale footprint" in summary

    compute_footprints(con)
    for period in ("2024-10", None):
        summary = _summary(write_period_report(con, out, period=period, generated_at=FIXED,
                                               factor_set=current_factor_set(con)))
        assert "no current footprint" not in summary and "wattledger compute" not in summary


def test_footprints_under_another_factor_set_are_stale_when_the_report_knows_the_current_one(tmp_path):
    con = connect(":memory:")
    ingest_paths(con, [_write(tmp_path / "a.csv", HEADER + "".join(_row(f"a{i}", "n", "t", 1 + i) for i in range(3)))])
    compute_footprints(con)
    con.execute("update footprint_values set factor_set = 'an older factor set' where run_id in ('a0', 'a1')")
    summary = _summary(write_period_report(con, tmp_path / "r.md", generated_at=FIXED, factor_set=current_factor_set(con)))
    assert "2 runs have no current footprint" in summary and "2 runs with a stale footprint" in summary


def test_wattledger_report_counts_stale_runs_under_the_current_factor_set(tmp_path):
    """`wattledger report` passes the current factor set; `wattledger run` computes before it reports."""
    db = tmp_path / "w.duckdb"
    con = connect(db)
    ingest_paths(con, [_write(tmp_path / "a.csv", HEADER + "".join(_row(f"a{i}", "n", "t", 1 + i) for i in range(2)))])
    compute_footprints(con)
    con.execute("update footprint_values set factor_set = 'an older factor set' where run_id = 'a0'")
    con.close()
    out = tmp_path / "cli.md"
    result = CliRunner().invoke(app, ["report", "--db", str(db), "--period", "2024-10", "--out", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "1 run started in October 2024 has no current footprint" in _summary(out)
