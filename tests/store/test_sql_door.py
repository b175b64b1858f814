"""The store is the one door to SQL: no module outside wattledger/store/ reads sql/ or runs SQL.

A static check of wattledger/ and flows/: outside wattledger/store/, no call of ``sql_text``
or ``resource_dir("sql")``, no ``.sql(``, ``.execute(``, ``.executemany(`` or ``.query(`` on
anything (a DuckDB connection or cursor).
"""

from __future__ import annotations

import ast

import pytest

from conftest import REPO

QUERY_METHODS = {"sql", "execute", "executemany", "query"}
#: where sql_text is defined: the single reader of sql/ files, called only from the store
READER = "wattledger/resources.py"


def _door_findings(root) -> list[str]:
    findings = []
    for path in sorted([*(root / "wattledger").rglob("*.py"), *(root / "flows").rglob("*.py")]):
        rel = path.relative_to(root).as_posix()
        if rel.startswith("wattledger/store/") or rel == READER:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            if name == "sql_text":
                findings.append(f"{rel}:{node.lineno}: reads sql/ (sql_text)")
            elif name == "resource_dir" and node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value == "sql":
                findings.append(f"{rel}:{node.lineno}: reads sql/ (resource_dir)")
            elif isinstance(func, ast.Attribute) and name in QUERY_METHODS:
                findings.append(f"{rel}:{node.lineno}: runs SQL (.{name}())")
    return findings


def test_only_the_store_reads_sql_files_or_runs_sql():
    assert _door_findings(REPO) == []


def test_the_door_check_finds_what_it_looks_for(tmp_path):
    bad = tmp_path / "wattledger" / "report" / "bad.py"
    bad.parent.mkdir(parents=True)
    (tmp_path / "flows").mkdir()
    (tmp_path / "wattledger" / "store").mkdir()
    bad.write_text(
        "from wattledger.resources import resource_dir, sql_text\n"
        "def f(con):\n"
        "    con.sql(sql_text('queries/report/totals.sql'))\n"
        "    con.execute('select 1')\n"
        "    con.cursor().executemany('insert into t values (?)', [[1]])\n"
        "    (resource_dir('sql') / 'x.sql').read_text()\n"
    )
    (tmp_path / "wattledger" / "store" / "ok.py").write_text("def g(con):\n    con.execute('select 1')\n")
    findings = _door_findings(tmp_path)
    assert {int(f.split(":")[1]) for f in findings} == {3, 4, 5, 6}, findings
    assert not any("store/ok.py" in f for f in findings)
