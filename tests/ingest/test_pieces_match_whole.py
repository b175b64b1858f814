"""Pieces give exactly the whole-file outcome (issue 15, item 14): every canonical CSV, NDJSON
and Parquet case of the bad-input corpus (tests/data/bad/) is stored read whole and read in tiny
pieces (one record a piece, and a few records a piece), and the databases are compared: the same
runs with the same values, the same rejects (line, column, value, reason, detail), the same
counts in source_files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from test_bad_inputs import BAD, GENERATORS, MANIFEST
from wattledger.ingest import FileRefused
from wattledger.pipeline import parse_run_log, parse_run_log_pieces
from wattledger.store import connect, store_parsed_file

# every canonical corpus case read whole and in pieces three ways: about 90 s
pytestmark = pytest.mark.slow

CANONICAL = sorted(
    case for case, spec in MANIFEST.items()
    if "mapping" not in spec and "files" not in spec
    and (case.startswith(("csv/", "ndjson/")) or (case.startswith("generated/") and case.endswith((".csv", ".parquet"))))
)


def _source(case: str, tmp_path: Path) -> Path:
    if case.startswith("generated/"):
        path = tmp_path / case.removeprefix("generated/")
        GENERATORS[path.name](path)
        return path
    return BAD / MANIFEST[case].get("file", case)


def _outcome(db: Path, path: Path, parsed, after: list[str]):
    con = connect(db)
    try:
        for before in after:
            store_parsed_file(con, parse_run_log(BAD / before))
        try:
            stored = store_parsed_file(con, parsed)
        except FileRefused as err:
            return ("refused", str(err).replace(str(path), "<path>"))
        file_id = stored.source_file_id
        runs = con.execute("select * exclude (source_file_id, ingested_at) from runs where source_file_id = ? "
                           "order by run_id", [file_id]).fetchall() if _has_ingested_at(con) else \
            con.execute("select * exclude (source_file_id) from runs where source_file_id = ? order by run_id",
                        [file_id]).fetchall()
        rejects = con.execute("select line, column_name, value, reason, detail from rejects where source_file_id = ? "
                              "order by all", [file_id]).fetchall()
        counts = con.execute("select records, rows_loaded, rows_rejected, folded_records, ignored_columns "
                             "from source_files where source_file_id = ?", [file_id]).fetchall()
        return runs, rejects, counts, (stored.loaded, stored.rejected)
    finally:
        con.close()


def _has_ingested_at(con) -> bool:
    return bool(con.execute("select 1 from information_schema.columns where table_name = 'runs' "
                            "and column_name = 'ingested_at'").fetchall())


def test_the_corpus_has_canonical_cases_of_every_container():
    assert any(c.endswith(".csv") for c in CANONICAL) and any(c.endswith(".ndjson") for c in CANONICAL)
    assert any(c.endswith(".parquet") for c in CANONICAL) and len(CANONICAL) >= 50


@pytest.mark.parametrize("piece_bytes, piece_rows, piece_records", [(1, 1, 1_000_000), (150, 2, 1_000_000), (2**20, 3, 2)])
@pytest.mark.parametrize("case", CANONICAL)
def test_pieces_of_every_canonical_corpus_case_give_the_whole_file_outcome(case, piece_bytes, piece_rows, piece_records,
                                                                           tmp_path):
    path = _source(case, tmp_path)
    after = MANIFEST[case].get("after", [])
    try:
        whole_parsed = parse_run_log(path)
    except FileRefused as err:
        whole_parsed = err
    if isinstance(whole_parsed, FileRefused):
        whole = ("refused", str(whole_parsed).replace(str(path.resolve()), "<path>").replace(str(path), "<path>"))
    else:
        whole = _outcome(tmp_path / "whole.duckdb", path, whole_parsed, after)
    try:
        pieces = parse_run_log_pieces(path, piece_bytes=piece_bytes, piece_rows=piece_rows,
                                      piece_records=piece_records)
        pieced = _outcome(tmp_path / "pieces.duckdb", path, pieces, after)
    except FileRefused as err:
        pieced = ("refused", str(err).replace(str(path.resolve()), "<path>").replace(str(path), "<path>"))
    if whole[0] == "refused":
        assert pieced[0] == "refused"  # the reason may differ: a piece sees part of the file
        return
    assert pieced == whole
