"""The one resolution mechanism: a ladder of rules, the first that applies gives every column.

Every factor (power, PUE, grid intensity, market instruments, electricity price, compute
price, embodied emissions) is a list of rules in order of preference. A rule is a condition
and what it gives for each output column: the value, its bounds, its basis, its source, its
year, its key, ... together, so the basis recorded is always the rule whose value was taken.

``fold`` turns a ladder into one ``when/then`` chain per output column (polars expressions,
evaluated column by column over all runs, never per run in Python)::

    rules = [
        Rule(pl.col("pue").is_not_null(), pue_value=pl.col("pue"), pue_basis="logged"),
        Rule(None, pue_value=1.56, pue_basis="default:unknown"),  # no condition: the fallback
    ]
    df.with_columns(fold(rules, {"pue_value": pl.Float64, "pue_basis": pl.String}))

A rule without a condition always applies: it is the fallback and must come last. Without a
fallback, a run no rule applies to gets null in every column. A column a rule does not name is
null when that rule applies. A condition that is null counts as false (polars' ``when``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import polars as pl

#: What a rule gives for a column: an expression, or a literal (text, number, bool, None).
Value = pl.Expr | str | float | int | bool | None


@dataclass(frozen=True, init=False)
class Rule:
    """One rung of a ladder: ``when`` (None: always) and the value of each output column."""

    when: pl.Expr | None
    then: Mapping[str, Value]

    def __init__(self, when: pl.Expr | None, /, **then: Value):
        object.__setattr__(self, "when", when)
        object.__setattr__(self, "then", then)


def fold(rules: Sequence[Rule], columns: Mapping[str, pl.DataType], only: Iterable[str] | None = None) -> list[pl.Expr]:
    """One expression per output column (in the order of ``columns``, or of ``only``, a subset):
    the value of the first rule whose condition holds, cast to the column's type.

    Literals become ``pl.lit(value, dtype)``; a column a rule leaves out is null for it. Raises
    ValueError for a fallback that is not last, or a rule that names an unknown column.
    """
    for i, rule in enumerate(rules):
        if rule.when is None and i != len(rules) - 1:
            raise ValueError(f"rule {i} has no condition but is not the last: the rules after it never apply")
        unknown = set(rule.then) - set(columns)
        if unknown:
            raise ValueError(f"rule {i} names column(s) {sorted(unknown)} that are not outputs of the ladder")
    return [_chain(rules, name, columns[name]) for name in (columns if only is None else only)]


def _chain(rules: Sequence[Rule], name: str, dtype: pl.DataType) -> pl.Expr:
    def value(rule: Rule) -> pl.Expr:
        v = rule.then.get(name)
        return v if isinstance(v, pl.Expr) else pl.lit(v, dtype)

    chain = None
    for rule in rules:
        if rule.when is None:  # the fallback (last)
            return (value(rule) if chain is None else chain.otherwise(value(rule))).cast(dtype).alias(name)
        chain = pl.when(rule.when).then(value(rule)) if chain is None else chain.when(rule.when).then(value(rule))
    if chain is None:  # no rules at all
        return pl.lit(None, dtype).alias(name)
    return chain.otherwise(pl.lit(None, dtype)).cast(dtype).alias(name)
