"""Read a budgets file (YAML): per team or project, a monthly or yearly budget in t CO2e, MWh
and/or a currency (docs/costs.md).

```yaml
budgets:
  - team: language          # or project: llm-70b-sft
    period: month           # month | year
    co2e_t: 1.5             # any of co2e_t, energy_mwh, cost (with currency)
    energy_mwh: 10
    cost: 20000
    currency: USD
    source: "2024 compute plan, v3"
```

Each figure given is one budget row. A file with any problem is refused as a whole, every
problem named with its entry and key (a budgets file is short, and half of one is wrong).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from wattledger.yamlfile import parse_yaml, yaml_problem

FIGURES = ("co2e_t", "energy_mwh", "cost")
PERIODS = ("month", "year")
_KEYS = {"team", "project", "period", "currency", "source", *FIGURES}


class BudgetsFileError(Exception):
    """A budgets file that cannot be used; the message names the file and each problem."""

    def __init__(self, path, problems: list[str]):
        self.path = str(path)
        self.problems = problems
        super().__init__(f"{self.path}: " + "; ".join(problems))


@dataclass(frozen=True)
class Budget:
    budget_id: str
    scope: str  # team | project
    name: str
    period: str  # month | year
    figure: str  # co2e_t | energy_mwh | cost
    budget: float  # [t CO2e | MWh | currency]
    currency: str | None
    source: str


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _entry(i: int, entry, path: Path) -> tuple[list[Budget], list[str]]:
    where = f"budgets[{i}]"
    if not isinstance(entry, dict):
        return [], [f"{where}: an entry is a mapping (team or project, period, figures)"]
    problems = [f"{where}: unknown key {k!r} (known: {', '.join(sorted(_KEYS))})" for k in entry if k not in _KEYS]
    scopes = [k for k in ("team", "project") if k in entry]
    if len(scopes) != 1:
        problems.append(f"{where}: give exactly one of team or project")
    scope = scopes[0] if scopes else "team"
    name = entry.get(scope)
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{where}.{scope}: a name (text)")
    period = entry.get("period")
    if period not in PERIODS:
        problems.append(f"{where}.period: month or year, got {period!r}")
    figures = [f for f in FIGURES if f in entry]
    if not figures:
        problems.append(f"{where}: at least one of {', '.join(FIGURES)}")
    currency = entry.get("currency")
    if "cost" in entry and not (isinstance(currency, str) and re.fullmatch(r"[A-Z]{3}", currency)):
        problems.append(f"{where}.currency: cost needs an ISO 4217 currency (e.g. USD), got {currency!r}")
    if "cost" not in entry and currency is not None:
        problems.append(f"{where}.currency: only with cost")
    source = entry.get("source")
    source = f"{path.name} {where}" + (f": {source}" if isinstance(source, str) and source.strip() else "")
    out = []
    for f in figures:
        value = _number(entry[f])
        if value is None or not math.isfinite(value) or value <= 0:
            problems.append(f"{where}.{f}: a number > 0, got {entry[f]!r}")
            continue
        if problems:
            continue
        cur = currency if f == "cost" else None
        bid = f"{scope}:{name.strip()}:{period}:{f}" + (f":{cur}" if cur else "")
        out.append(Budget(bid, scope, name.strip(), period, f, value, cur, source))
    return out, problems


def read_budgets_file(path: Path) -> list[Budget]:
    """Every budget of the file ``path``; raises :class:`BudgetsFileError` naming each problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise BudgetsFileError(path, [f"cannot read: {getattr(err, 'strerror', None) or err}"]) from None
    try:
        doc = parse_yaml(text)
    except yaml.YAMLError as err:
        raise BudgetsFileError(path, [yaml_problem(err)]) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("budgets"), list):
        raise BudgetsFileError(path, ["expected a top-level key `budgets:` holding a list of entries"])
    extra = [k for k in doc if k != "budgets"]
    budgets, problems = [], [f"unknown top-level key {k!r}" for k in extra]
    for i, entry in enumerate(doc["budgets"]):
        got, bad = _entry(i, entry, path)
        budgets += got
        problems += bad
    seen: dict[str, int] = {}
    for b in budgets:
        seen[b.budget_id] = seen.get(b.budget_id, 0) + 1
    problems += [f"budget {bid} is given {n} times" for bid, n in seen.items() if n > 1]
    if problems:
        raise BudgetsFileError(path, problems)
    return budgets
