"""No SQL is built from user input: SQL-injection text through every CLI option that reaches a
query leaves every table as it was and ends in a normal result or a clear error; `wattledger
sql` runs the user's own SQL on a read-only connection; and a static check finds no SQL put
together with f-strings, format() or % anywhere in wattledger/ and flows/."""

from __future__ import annotations

import ast
import hashlib
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import REPO
from flows.cli import app
from wattledger.store import connect

PAYLOADS = [
    "x'; drop table runs; --",
    "' or '1'='1",
    "1); delete from footprints where (1=1",
    '"; update constants set value = 0; --',
    "[/red] $1 ? %s {0}",  # placeholders of every driver, and rich markup
]
HEADER = "run_id,name,team,project,started_at,ended_at,gpu_model,gpu_count,region\n"


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """A computed database whose run ids and names are themselves injection text."""
    folder = tmp_path_factory.mktemp("inject")
    logs = folder / "runs.csv"
    rows = [f'"{p.replace(chr(34), chr(34) * 2)}",n{i},t,p,2024-10-0{i + 1}T00:00:00Z,2024-10-0{i + 1}T05:00:00Z,H100-SXM,8,FR\n'
            for i, p in enumerate(PAYLOADS[:2])]
    logs.write_text(HEADER + "ok-1,plain,t,p,2024-10-03T00:00:00Z,2024-10-03T02:00:00Z,H100-SXM,8,FR\n" + "".join(rows))
    path = folder / "w.duckdb"
    assert invoke("ingest", logs, "--db", path).exit_code == 0
    assert invoke("compute", "--db", path).exit_code == 0
    return path


def fingerprint(path: Path) -> dict[str, str]:
    """Every table's rows, hashed (tables listed by the database itself)."""
    con = connect(path, read_only=True)
    try:
        tables = [t for (t,) in con.sql("select table_name from duckdb_tables() where not temporary order by 1").fetchall()]
        out = {}
        for table in tables:
            # every writable open re-syncs the cited default constants, stamping updated_at: not data
            columns = [c for (c,) in con.execute("select column_name from duckdb_columns() where table_name = ? "
                                                 "and column_name <> 'updated_at' order by column_index", [table]).fetchall()]
            listed = ", ".join(f'"{c}"' for c in columns)
            rows = con.sql(f'select {listed} from "{table}"').fetchall()  # names come from the catalog
            out[table] = hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()
        return out
    finally:
        con.close()


SURFACES = {
    "report --period": lambda p, out: ["report", "--period", p, "--out", out / "r.md"],
    "report --run": lambda p, out: ["report", "--run", p, "--out", out / "card.md"],
    "export --period": lambda p, out: ["export", "--period", p, "--out", out / "f.csv"],
    "export --run": lambda p, out: ["export", "--run", p, "--format", "model-card"],
    "export --format": lambda p, out: ["export", "--format", p, "--out", out / "f.x"],
    "factors --region": lambda p, out: ["factors", "--region", p],
    "factors --datacenter": lambda p, out: ["factors", "--datacenter", p],
    "constants --set name": lambda p, out: ["constants", "--set", f"{p}=1", "--source", "x"],
    "constants --set value": lambda p, out: ["constants", "--set", f"us_household_kwh_per_year={p}", "--source", "x"],
    "constants --reset": lambda p, out: ["constants", "--reset", p],
    "sites PATH": lambda p, out: ["sites", out / p],
    "ingest --mapping": lambda p, out: ["ingest", out, "--mapping", out / p],
}


@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_injection_through_every_cli_option_changes_nothing(db, tmp_path, surface):
    before = fingerprint(db)
    for payload in PAYLOADS:
        result = invoke(*SURFACES[surface](payload, tmp_path), "--db", db)
        assert result.exit_code in (0, 1, 2), result.output
        assert "Traceback" not in result.output
        if result.exit_code:
            assert "error" in result.output or "refused" in result.output  # a clear message, not silence
    assert fingerprint(db) == before, f"{surface} changed the database"


def test_a_run_id_that_looks_like_sql_is_looked_up_literally(db, tmp_path):
    out = tmp_path / "card.md"
    result = invoke("report", "--run", "' or '1'='1", "--out", out, "--db", db)
    assert result.exit_code == 0
    card = out.read_text()
    assert card.startswith("# Footprint of run ' or '1'='1") and "| Name | n1 |" in card  # that run, not every run
    block = invoke("export", "--run", "x'; drop table runs; --", "--format", "model-card", "--db", db)
    assert block.exit_code == 0 and "8 x H100-SXM" in block.output
    assert invoke("report", "--run", "' or '1'='2", "--db", db).exit_code == 2


def test_injection_text_as_a_constants_source_is_stored_as_text(tmp_path):
    path = tmp_path / "c.duckdb"
    payload = "EIA'); drop table constants; --"
    assert invoke("constants", "--set", "us_household_kwh_per_year=10500", "--source", payload, "--db", path).exit_code == 0
    con = connect(path, read_only=True)
    try:
        assert con.sql("select source from constants where name = 'us_household_kwh_per_year'").fetchall() == [(payload,)]
    finally:
        con.close()


def test_a_file_name_that_looks_like_sql_is_stored_as_its_name(tmp_path):
    path = tmp_path / "w.duckdb"
    log = tmp_path / "x'; drop table runs; --.csv"
    log.write_text("run_id,gpu_count,gpu_hours\nf1,1,1\n")
    assert invoke("ingest", log, "--db", path).exit_code == 0
    con = connect(path, read_only=True)
    try:
        assert con.sql("select path from source_files").fetchall() == [(str(log.resolve()),)]
        assert con.sql("select count(*) from runs").fetchall() == [(1,)]
    finally:
        con.close()


@pytest.mark.parametrize("statement", [
    "drop table runs",
    "select 1; delete from runs",
    "update constants set value = 0",
    "create table evil (x int)",
    "checkpoint; insert into runs (run_id) values ('z')",
    "attach '{db}' as again (read_only false); delete from again.runs",
])
def test_wattledger_sql_is_read_only(db, statement):
    """The user's own SQL, by design; but the connection is read-only, so the database cannot change."""
    before = fingerprint(db)
    result = invoke("sql", statement.format(db=db), "--db", db)
    assert result.exit_code == 2 and "error" in result.output
    assert fingerprint(db) == before


def test_hostile_text_in_a_table_is_printed_not_interpreted(db):
    """`wattledger sql` prints values as they are: rich markup in a run id neither styles nor crashes."""
    result = invoke("sql", "select '[/red] [bold]x[/bold]' as s", "--db", db)
    assert result.exit_code == 0 and "[/red] [bold]x[/bold]" in result.output


# --- static: no SQL put together from values --------------------------------------------------

SQL_START = re.compile(r"^\s*(with|select|insert|update|delete|create|drop|alter|attach|detach|copy|pragma|install|"
                       r"load|set|call|describe|summarize|export|import|from)\b", re.IGNORECASE)
QUERY_METHODS = {"sql", "execute", "executemany", "query"}
RELATION_METHODS = {"filter", "project", "aggregate", "order", "select"}  # DuckDB relations take SQL text too
#: (file, enclosing function, the first argument as written): the only SQL not written as a
#: literal or a shipped sql/ file, each with the reason it is safe.
ALLOWED = {
    # `wattledger sql`: the user's own query by design, on a read-only connection (tested above)
    ("wattledger/store/queries.py", "read_only_query", "text"),
    # the name of a shipped sql/queries/report/*.sql file: every caller passes a literal (checked below)
    ("wattledger/store/report_queries.py", "_query", "sql_text(f'queries/report/{name}.sql')"),
    # the same section's file over the report's cube, sql/queries/report/cube/*.sql (issue 20)
    ("wattledger/store/report_queries.py", "_query", "sql_text(f'queries/report/cube/{name}.sql')"),
    # the text of a shipped migration file, sql/schema/NNN_*.sql
    ("wattledger/store/migrations.py", "migrate", "text"),
    # the text of a shipped macro or view file, sql/macros/*.sql, sql/views/*.sql
    ("wattledger/store/views.py", "apply_views", "text"),
}


def _is_literal_sql(node: ast.AST) -> bool:
    """A string literal, a shipped sql/ file named by a literal, or a concatenation of those."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "sql_text":
        return all(isinstance(a, ast.Constant) for a in node.args)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _is_literal_sql(node.left) and _is_literal_sql(node.right)
    return False


def _functions(tree: ast.AST):
    """(node, name of the innermost enclosing function) for every node."""
    def walk(node, fn):
        for child in ast.iter_child_nodes(node):
            name = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else fn
            yield child, name
            yield from walk(child, name)
    yield from walk(tree, "<module>")


def _sql_findings() -> list[str]:
    findings = []
    files = sorted([*(REPO / "wattledger").rglob("*.py"), *(REPO / "flows").rglob("*.py")])
    for path in files:
        rel = path.relative_to(REPO).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node, fn in _functions(tree):
            where = f"{rel}:{getattr(node, 'lineno', '?')} in {fn}"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
                first = node.args[0]
                if node.func.attr in QUERY_METHODS and not _is_literal_sql(first):
                    if (rel, fn, ast.unparse(first)) not in ALLOWED:
                        findings.append(f"{where}: {node.func.attr}({ast.unparse(first)}) is not literal SQL")
                if node.func.attr in RELATION_METHODS and isinstance(first, ast.JoinedStr):
                    findings.append(f"{where}: relation .{node.func.attr}() with an f-string")
                if node.func.attr in ("format", "format_map", "replace", "__mod__"):
                    target = node.func.value
                    if (isinstance(target, ast.Constant) and isinstance(target.value, str) and SQL_START.match(target.value)) or (
                            isinstance(target, ast.Call) and getattr(target.func, "id", None) == "sql_text"):
                        findings.append(f"{where}: SQL text filled in with .{node.func.attr}()")
            if isinstance(node, ast.JoinedStr) and any(isinstance(v, ast.FormattedValue) for v in node.values):
                literal = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
                if SQL_START.match(literal):
                    findings.append(f"{where}: an f-string of SQL: {ast.unparse(node)[:80]}")
            if (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant)
                    and isinstance(node.left.value, str) and SQL_START.match(node.left.value)):
                findings.append(f"{where}: SQL filled in with %")
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_query" and len(node.args) > 1:
                if not isinstance(node.args[1], ast.Constant):
                    findings.append(f"{where}: _query() with a computed report name")
    return findings


def test_no_sql_is_built_by_string_formatting():
    assert _sql_findings() == []


def test_the_static_check_finds_what_it_looks_for(tmp_path, monkeypatch):
    """The checker itself: each forbidden pattern in a scratch module is reported."""
    bad = tmp_path / "wattledger" / "bad.py"
    bad.parent.mkdir()
    bad.write_text(
        "def f(con, name, x):\n"
        "    con.execute(f\"select * from runs where run_id = '{name}'\")\n"
        "    con.sql('delete from runs where run_id = ' + name)\n"
        "    q = 'select * from runs where team = %s' % name\n"
        "    con.sql(q)\n"
        "    con.execute('select * from runs where run_id = {}'.format(name))\n"
        "    rel = con.table('runs'); rel.filter(f\"team = '{x}'\")\n"
    )
    (tmp_path / "flows").mkdir()
    monkeypatch.setattr(__import__(__name__), "REPO", tmp_path)
    findings = _sql_findings()
    assert {int(f.split(":")[1].split()[0]) for f in findings} == {2, 3, 4, 5, 6, 7}, findings  # every bad line
