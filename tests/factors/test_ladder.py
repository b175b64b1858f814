"""The one rule mechanism (wattledger.factors.ladder): the first rule that applies gives every column."""

import polars as pl
import pytest

from wattledger.factors.ladder import Rule, fold

COLUMNS = {"value": pl.Float64, "basis": pl.String, "year": pl.Int32}
FRAME = pl.DataFrame(
    {"logged": [1.5, None, None, None], "table": [2.5, 3.5, None, None], "table_year": [2020, 2021, None, 2022]},
    schema={"logged": pl.Float64, "table": pl.Float64, "table_year": pl.Int64},
)


def resolve(rules, frame=FRAME, columns=COLUMNS):
    return frame.with_columns(fold(rules, columns)).select(list(columns))


def test_the_first_matching_rule_gives_every_column_together():
    rules = [
        Rule(pl.col("logged").is_not_null(), value=pl.col("logged"), basis="logged"),
        Rule(pl.col("table").is_not_null(), value=pl.col("table"), basis="table", year=pl.col("table_year")),
        Rule(None, value=0.4, basis="default", year=2024),
    ]
    got = resolve(rules)
    assert got.to_dict(as_series=False) == {
        "value": [1.5, 3.5, 0.4, 0.4],
        "basis": ["logged", "table", "default", "default"],
        # the logged rule names no year: null, though the table has one for that row
        "year": [None, 2021, 2024, 2024],
    }
    assert got.schema == pl.Schema(COLUMNS)


def test_a_rule_without_a_condition_is_the_fallback_and_must_be_last():
    assert resolve([Rule(None, value=1.0, basis="default")])["basis"].to_list() == ["default"] * 4
    with pytest.raises(ValueError, match="not the last"):
        fold([Rule(None, value=1.0), Rule(pl.col("logged").is_not_null(), value=2.0)], COLUMNS)


def test_without_a_fallback_no_rule_gives_null_in_every_column():
    got = resolve([Rule(pl.col("logged").is_not_null(), value=pl.col("logged"), basis="logged", year=2024)])
    assert got.row(0) == (1.5, "logged", 2024)
    assert got.slice(1).null_count().row(0) == (3, 3, 3)
    assert resolve([]).null_count().row(0) == (4, 4, 4)


def test_a_null_condition_counts_as_false():
    rules = [Rule(pl.col("table") > 3, basis="big"), Rule(None, basis="other")]
    assert resolve(rules)["basis"].to_list() == ["other", "big", "other", "other"]


def test_a_subset_of_columns_and_unknown_columns():
    rules = [Rule(pl.col("logged").is_not_null(), value=pl.col("logged"), basis="logged"), Rule(None, value=9.0, basis="d")]
    assert [e.meta.output_name() for e in fold(rules, COLUMNS, only=["value"])] == ["value"]
    with pytest.raises(ValueError, match="not outputs"):
        fold([Rule(None, valeu=1.0)], COLUMNS)
