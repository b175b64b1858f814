"""Ingest through the public interface: good and bad files in each format, rejects, idempotency."""

import json
from datetime import datetime, timezone

import polars as pl
import pytest

from conftest import HEADER
from wattledger.ingest import FileRefused
from wattledger.pipeline import ingest_paths, parse_run_log


def rejects(con):
    return con.sql("select line, column_name, value, reason from rejects order by line, column_name").fetchall()


def test_good_csv_loads_every_row(con, write):
    p = write("runs.csv", HEADER + "\n"
              "a,vision,det,2024-10-01T00:00:00Z,2024-10-01T02:00:00Z,H100-SXM,8,600,1.2,FR\n"
              "b,speech,asr,2024-10-02T00:00:00+02:00,2024-10-02T01:30:00+02:00,A100-SXM4-80GB,4,,,DE\n")
    s = ingest_paths(con, [p])
    assert (s.loaded, s.rejected, s.refused) == (2, 0, [])
    rows = con.sql("select run_id, gpu_hours, gpu_hours_basis, started_at from runs order by run_id").fetchall()
    assert rows[0][:3] == ("a", 16.0, "timestamps")
    assert rows[1][1] == pytest.approx(6.0)
    assert rows[1][3] == datetime(2024, 10, 1, 22, 0, tzinfo=timezone.utc)  # offset honoured, stored in UTC


def test_bad_rows_rejected_with_line_column_reason_and_good_rows_load(con, write):
    p = write("runs.csv", HEADER + "\n"
              "ok1,t,p,2024-10-01T00:00:00Z,2024-10-01T01:00:00Z,H100-SXM,8,,,FR\n"
              "bad1,t,p,2024-10-01T00:00:00Z,2024-10-01T01:00:00Z,H100-SXM,0,,,FR\n"
              "bad2,t,p,2024-10-01T05:00:00Z,2024-10-01T01:00:00Z,H100-SXM,8,,,FR\n"
              "bad3,t,p,yesterday,2024-10-01T01:00:00Z,H100-SXM,8,,,FR\n"
              "bad4,t,p,2024-10-01T00:00:00Z,2024-10-01T01:00:00Z,H100-SXM,8,700000,,FR\n"
              "bad5,t,p,2024-10-01T00:00:00Z,2024-10-01T01:00:00Z,H100-SXM,8,,0.8,FR\n"
              "bad6,t,p,2024-10-01T00:00:00Z,2024-10-01T01:00:00Z,H100-SXM,8,inf,,FR\n"
              ",t,p,2024-10-01T00:00:00Z,2024-10-01T01:00:00Z,H100-SXM,8,,,FR\n"
              "bad8,t,p,2024-10-01T00:00:00Z,2024-10-01T01:00:00Z,H100-SXM,8,,,FR,extra\n"
              "ok2,t,p,2024-10-01T00:00:00Z,2024-10-01T01:00:00Z,H100-SXM,8,,,FR\n")
    s = ingest_paths(con, [p])
    assert (s.loaded, s.rejected) == (2, 8)
    assert rejects(con) == [
        (3, "gpu_count", "0", "must be at least 1"),
        (4, "ended_at", "2024-10-01T01:00:00Z", "ended_at is before started_at"),
        (5, "started_at", "yesterday", "not an ISO-8601 timestamp"),
        (6, "avg_power_w", "700000", "above the sanity ceiling of 2000"),
        (7, "pue", "0.8", "must be at least 1"),
        (8, "avg_power_w", "inf", "not a finite number"),
        (9, "run_id", None, "missing run_id"),
        (10, None, "bad8,t,p,2024-10-01T00:00:00Z,2024-10-01T01:00:00Z,H100-SXM,8,,,FR,extra", "wrong number of fields"),
    ]
    assert con.sql("select run_id from runs order by 1").fetchall() == [("ok1",), ("ok2",)]
    assert con.sql("select records, rows_loaded, rows_rejected from source_files").fetchall() == [(10, 2, 8)]


def test_line_numbers_count_quoted_newlines_blank_lines_and_crlf(con, write):
    text = (HEADER + "\r\n"
            'a,"team\r\nwith newline",p,2024-10-01T00:00:00Z,2024-10-01T01:00:00Z,H100-SXM,8,,,FR\r\n'
            "\r\n"
            'b,"say ""hi"", ok",p,2024-10-01T00:00:00Z,2024-10-01T01:00:00Z,H100-SXM,x,,,FR\r\n')
    s = ingest_paths(con, [write("crlf.csv", text)])
    assert (s.loaded, s.rejected) == (1, 1)
    assert rejects(con) == [(5, "gpu_count", "x", "not a number")]  # header 1, a 2-3, blank 4, b 5
    # the quoted CRLF was read inside the field; a team is identity text, its line break stored as a space
    assert con.sql("select team, source_line from runs").fetchall() == [("team with newline", 2)]


def test_run_id_repeated_within_a_file_rejects_every_copy(con, write):
    row = ",t,p,2024-10-01T00:00:00Z,2024-10-01T01:00:00Z,H100-SXM,8,,,FR\n"
    s = ingest_paths(con, [write("dup.csv", HEADER + "\n" + "x" + row + "y" + row + "x" + row)])
    assert (s.loaded, s.rejected) == (1, 2)
    assert [r[0] for r in rejects(con)] == [2, 4]
    assert {r[3] for r in rejects(con)} == {"run_id repeated within this file"}


def test_same_file_twice_adds_nothing_and_run_id_across_files_is_rejected(con, write):
    row = ",t,p,2024-10-01T00:00:00Z,2024-10-01T01:00:00Z,H100-SXM,8,,,FR\n"
    first = write("a.csv", HEADER + "\nr1" + row)
    ingest_paths(con, [first])
    again = ingest_paths(con, [first])
    assert again.stored[0].already_ingested and again.loaded == 0
    second = ingest_paths(con, [write("b.csv", HEADER + "\nr1" + row + "r2" + row)])
    assert (second.loaded, second.rejected) == (1, 1)
    assert con.sql("select count(*) from runs").fetchall() == [(2,)]
    reason, detail = con.sql("select reason, detail from rejects").fetchall()[0]
    assert reason == "run_id already loaded from another file" and detail.endswith("a.csv line 2")


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty.csv", "", "empty"),
        ("noid.csv", "team,gpu_count\nx,1\n", "missing required column(s): run_id"),
        ("semi.csv", "run_id;gpu_count;gpu_hours\na;1;2\n", "is the file comma-separated?"),
        ("runs.txt", "run_id\n", "unknown file type"),
        ("dupcol.csv", "run_id,gpu_hours,gpu_hours\na,1,2\n", "appears more than once"),
        ("bad.parquet", b"PAR1 not really", "cannot read as Parquet"),
    ],
)
def test_unreadable_file_is_refused_naming_it_and_nothing_is_stored(con, write, name, content, message):
    p = write(name, content)
    s = ingest_paths(con, [p])
    assert len(s.refused) == 1
    assert str(p.name) in str(s.refused[0]) and message in str(s.refused[0])
    assert con.sql("select (select count(*) from source_files) + (select count(*) from runs)").fetchall() == [(0,)]


def test_non_utf8_record_rejected_others_load(con, write):
    head = (HEADER + "\n").encode()
    good = b"a,t,p,2024-10-01T00:00:00Z,2024-10-01T01:00:00Z,H100-SXM,8,,,FR\n"
    bad = b"b,caf\xe9,p,2024-10-01T00:00:00Z,2024-10-01T01:00:00Z,H100-SXM,8,,,FR\n"
    s = ingest_paths(con, [write("latin1.csv", head + good + bad + good.replace(b"a,", b"c,"))])
    assert (s.loaded, s.rejected) == (2, 1)
    assert rejects(con) == [(3, None, None, "not valid UTF-8 text")]


def test_utf8_bom_and_unknown_columns(con, write):
    p = write("bom.csv", "\ufeff" + "run_id,gpu_count,gpu_hours,notes\na,1,2.5,hello\n")
    s = ingest_paths(con, [p])
    assert s.loaded == 1 and s.stored[0].ignored_columns == ("notes",)


def test_ndjson_lines_and_bad_json(con, write):
    lines = [
        json.dumps({"run_id": "n1", "gpu_count": 8, "gpu_hours": 16.5, "team": "v"}),
        "",
        '{"run_id": "n2", "gpu_count": 8,',
        json.dumps({"run_id": "n3", "gpu_count": 2, "gpu_hours": -1}),
        json.dumps({"run_id": "n4", "gpu_count": {"nested": 1}, "gpu_hours": 1}),
        json.dumps(["not", "an", "object"]),
    ]
    s = ingest_paths(con, [write("runs.ndjson", "\n".join(lines) + "\n")])
    assert (s.loaded, s.rejected) == (1, 4)
    got = [(r[0], r[3]) for r in rejects(con)]
    assert got == [(3, "invalid JSON"), (4, "must be at least 0"), (5, "nested dict is not a valid value"),
                   (6, "a line must hold one JSON object")]


def test_parquet_with_typed_columns(con, tmp_path):
    p = tmp_path / "runs.parquet"
    pl.DataFrame({
        "run_id": ["p1", "p2"],
        "started_at": [datetime(2024, 10, 1, tzinfo=timezone.utc), datetime(2024, 10, 2, tzinfo=timezone.utc)],
        "ended_at": [datetime(2024, 10, 1, 3, tzinfo=timezone.utc), datetime(2024, 10, 1, tzinfo=timezone.utc)],
        "gpu_count": [8, 8],
        "avg_power_w": [550.5, None],
    }).write_parquet(p)
    s = ingest_paths(con, [p])
    assert (s.loaded, s.rejected) == (1, 1)
    assert con.sql("select gpu_hours, avg_power_w from runs").fetchall() == [(24.0, 550.5)]
    assert rejects(con)[0][:2] == (2, "ended_at")  # row 2 of the Parquet file


def test_folders_are_walked_and_other_files_skipped(con, write):
    write("logs/a/runs.csv", "run_id,gpu_count,gpu_hours\na,1,1\n")
    write("logs/b/runs.ndjson", '{"run_id": "b", "gpu_count": 1, "gpu_hours": 2}\n')
    write("logs/README.md", "# not a run log\n")
    s = ingest_paths(con, [write("logs/c.csv", "run_id,gpu_count,gpu_hours\nc,1,1\n").parent])
    assert s.loaded == 3 and not s.refused


def test_timestamp_without_offset_is_utc():
    # documented rule: naive timestamps are UTC
    import tempfile
    from pathlib import Path
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "naive.csv"
        p.write_text("run_id,started_at,ended_at,gpu_count\na,2024-10-01 08:00:00,2024-10-01T09:00:00,2\n")
        parsed = parse_run_log(p)
    assert parsed.runs.column("started_at")[0].as_py() == datetime(2024, 10, 1, 8, tzinfo=timezone.utc)
    assert parsed.runs.column("gpu_hours")[0].as_py() == 2.0


def test_parse_refuses_with_file_in_message(tmp_path):
    with pytest.raises(FileRefused, match="missing.csv"):
        parse_run_log(tmp_path / "missing.csv")
