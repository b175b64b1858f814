"""The cost ledger: parsing, rejects with file/line/column/reason, idempotent and replacing loads."""

from __future__ import annotations

import polars as pl
import pytest

from wattledger.ingest import FileRefused
from wattledger.pipeline.cost_ledger import load_cost_ledger
from wattledger.store.cost_ledger import cost_rejects

HEAD = "project,category,amount,currency,date,description,source\n"


def test_good_lines_load_and_bad_lines_are_rejected_with_line_column_reason(con, write):
    f = write("ledger.csv", HEAD
              + "p1,data,100,usd,2024-10-01,labels,invoice 1\n"        # 2: good (currency upper-cased)
              + "p1,people,-5,USD,2024-10-02,x,plan\n"                 # 3: negative
              + "p2,food,10,USD,2024-13-01,,\n"                        # 4: category, date, source
              + '"p3",hardware,abc,US,2024-10-01,"a, b",src\n'         # 5: amount, currency
              + "p4,other,1e13,EUR,2024-10-01,,src\n"                  # 6: above the ceiling
              + ",Hardware,1,EUR,1970-01-01,,src\n"                    # 7: project, date out of range
              + "p5,infrastructure,2.5,EUR,2024-10-03\n")              # 8: wrong field count
    stored = load_cost_ledger(con, f)
    assert (stored.loaded, stored.rejected) == (1, 6)
    got = {(r["line"], r["column_name"], r["reason"]) for r in cost_rejects(con).iter_rows(named=True)}
    assert {(3, "amount", "negative amount"), (4, "category", "unknown cost category"),
            (4, "date", "not an ISO 8601 date (YYYY-MM-DD)"), (4, "source", "missing source"),
            (5, "amount", "not a number"), (5, "currency", "not an ISO 4217 currency code (three letters)"),
            (6, "amount", "amount above the sanity ceiling"), (7, "project", "missing project"),
            (7, "date", "date out of range")} <= got
    assert any(line == 8 and column is None for line, column, _ in got)  # the reader's own problem
    assert cost_rejects(con)["path"].unique().to_list() == [str(f.resolve())]
    lines = con.execute("select project, category, amount, currency, cost_date::varchar from cost_lines").fetchall()
    assert lines == [("p1", "data", 100.0, "USD", "2024-10-01")]


def test_the_same_file_again_adds_nothing_and_a_changed_file_replaces_its_lines(con, write):
    f = write("ledger.csv", HEAD + "p1,data,100,USD,2024-10-01,,inv\np1,people,50,USD,2024-10-02,,plan\n")
    first = load_cost_ledger(con, f)
    again = load_cost_ledger(con, f)
    assert again.already_loaded and again.cost_file_id == first.cost_file_id
    assert con.execute("select count(*) from cost_lines").fetchone()[0] == 2
    write("ledger.csv", HEAD + "p1,data,120,USD,2024-10-01,,inv v2\n")
    changed = load_cost_ledger(con, f)
    assert changed.replaced_cost_file_id == first.cost_file_id and changed.replaced_lines == 2
    assert con.execute("select sum(amount), count(*) from cost_lines").fetchone() == (120.0, 1)
    old = con.execute(f"select replaced_by_cost_file_id, replaced_at is not null from cost_files "
                  f"where cost_file_id = {first.cost_file_id}").fetchone()
    assert old == (changed.cost_file_id, True)


def test_parquet_ledger_rows_are_numbered_from_one(con, tmp_path):
    f = tmp_path / "ledger.parquet"
    pl.DataFrame({"project": ["a", "b"], "category": ["data", "people"], "amount": [1.5, -1.0],
                  "currency": ["EUR", "EUR"], "date": ["2024-01-01", "2024-01-02"], "description": [None, None],
                  "source": ["x", "y"]}).write_parquet(f)
    stored = load_cost_ledger(con, f)
    assert (stored.loaded, stored.rejected) == (1, 1)
    assert cost_rejects(con).select("line", "column_name").rows() == [(2, "amount")]


@pytest.mark.parametrize("text, words", [
    ("", "empty"),
    ("project,amount,currency,date,source\np,1,USD,2024-01-01,s\n", "missing required column(s): category"),
])
def test_a_file_that_cannot_be_a_ledger_is_refused_and_nothing_is_stored(con, write, text, words):
    f = write("bad.csv", text)
    with pytest.raises(FileRefused, match=words.replace("(", r"\(").replace(")", r"\)")):
        load_cost_ledger(con, f)
    assert con.execute("select count(*) from cost_files").fetchone()[0] == 0
