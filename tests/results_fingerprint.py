"""A fingerprint of a footprints table: what tests/test_results_unchanged.py compares with the
figures stored from before issue 20's changes (tests/data/expected/).

Per column, over the rows in run_id order: for numbers the count of values, their sum and a
weighted sum (weight i mod 997 + 1 for row i), so that a changed, moved or swapped value of
one run shows; for texts, the count of each distinct value and a weighted sum of each row's
value rank, exact. Columns that are not results are left out: ``computed_at``, ``inputs_sha``
(it hashes the code) and ``factor_set`` (it hashes the reference files).

    python tests/results_fingerprint.py FOOTPRINTS.parquet OUT.json   # (re)write a stored one
"""

from __future__ import annotations

import json
import sys

import numpy as np
import polars as pl

NOT_RESULTS = {"computed_at", "inputs_sha", "factor_set", "checked_at"}


def fingerprint(frame: pl.DataFrame) -> dict:
    frame = frame.sort("run_id")
    weights = (np.arange(frame.height) % 997 + 1).astype(np.float64)
    out: dict = {"rows": frame.height, "columns": {}}
    for name, dtype in frame.schema.items():
        if name in NOT_RESULTS or name == "run_id":
            continue
        column = frame[name]
        if dtype.is_numeric() or dtype == pl.Boolean or dtype == pl.Date:
            values = column.cast(pl.Float64) if dtype != pl.Date else column.cast(pl.Int32).cast(pl.Float64)
            present = values.is_not_null().to_numpy()
            x = values.fill_null(0.0).to_numpy()
            out["columns"][name] = {"count": int(present.sum()), "sum": float(x.sum()),
                                    "weighted": float((x * weights).sum()), "nulls_weighted": float((~present * weights).sum())}
        else:
            text = column.cast(pl.String)
            counts = text.value_counts().sort(name, nulls_last=True)
            distinct = sorted(v for v in counts[name].to_list() if v is not None)
            rank = text.replace_strict({v: i + 1 for i, v in enumerate(distinct)}, default=0, return_dtype=pl.Int64)
            out["columns"][name] = {"counts": {str(v): int(n) for v, n in counts.iter_rows()},
                                    "weighted_rank": int((rank.to_numpy() * weights.astype(np.int64)).sum())}
    return out


def differences(got: dict, expected: dict, rel: float = 1e-12) -> list[str]:
    """What differs, one line per column (empty: the same results)."""
    found = []
    if got["rows"] != expected["rows"]:
        found.append(f"rows: {got['rows']} != {expected['rows']}")
    for name, want in expected["columns"].items():
        have = got["columns"].get(name)
        if have is None:
            found.append(f"{name}: missing")
            continue
        for key, value in want.items():
            other = have.get(key)
            if isinstance(value, float):
                if not (other is not None and abs(other - value) <= rel * max(abs(value), abs(other), 1e-300)):
                    found.append(f"{name}.{key}: {other!r} != {value!r}")
            elif other != value:
                found.append(f"{name}.{key}: differs")
    return found


if __name__ == "__main__":
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(fingerprint(pl.read_parquet(sys.argv[1])), f, indent=1, sort_keys=True)
