"""The docs are tested: every SQL view (with each column) and every CLI command is documented."""

import re

import pytest

from conftest import REPO
from flows.cli import app

SQL_DOC = (REPO / "docs" / "sql.md").read_text(encoding="utf-8")
README = (REPO / "README.md").read_text(encoding="utf-8")


def _views(con):
    return [r[0] for r in con.sql("select view_name from duckdb_views() where not internal order by 1").fetchall()]


def _section(view: str) -> str:
    m = re.search(rf"^## `{view}`.*?(?=^## |\Z)", SQL_DOC, flags=re.M | re.S)
    assert m, f"docs/sql.md has no section '## `{view}`'"
    return m.group(0)


def test_every_view_and_column_is_documented(con):
    views = _views(con)
    assert {"run_footprints", "team_monthly", "project_monthly", "region_summary", "factor_usage"} <= set(views)
    for view in views:
        documented = set(re.findall(r"`([a-z_0-9]+)`", _section(view)))
        columns = [c[0] for c in con.sql(f"describe {view}").fetchall()]  # view names come from the database
        missing = [c for c in columns if c not in documented]
        assert not missing, f"docs/sql.md, section {view}: undocumented columns {missing}"


def test_every_macro_is_documented(con):
    macros = {r[0] for r in con.sql("select function_name from duckdb_functions() where function_type in ('macro', 'table_macro') and not internal").fetchall()}
    assert macros and all(f"`{m}(" in SQL_DOC for m in macros), sorted(m for m in macros if f"`{m}(" not in SQL_DOC)


@pytest.mark.parametrize("command", sorted(c.name or c.callback.__name__ for c in app.registered_commands))
def test_every_cli_command_is_in_the_readme(command):
    assert f"`wattledger {command}" in README, f"README.md does not document `wattledger {command}`"


def test_every_test_named_in_reliability_md_exists():
    """docs/reliability.md names the test that proves each guarantee: each must exist."""
    import yaml

    doc = (REPO / "docs" / "reliability.md").read_text(encoding="utf-8")
    cases = yaml.safe_load((REPO / "tests" / "data" / "bad" / "expected.yaml").read_text(encoding="utf-8"))["cases"]
    current, named = None, 0
    for path, test in re.findall(r"(tests/(?:[a-z_]+/)*[a-z_]+\.py)|::([a-z_0-9]+)", doc):  # ::name belongs to the file named last
        if path:
            current = path
            continue
        assert current, f"::{test} before any test file in docs/reliability.md"
        assert f"def {test}(" in (REPO / current).read_text(encoding="utf-8"), f"{current}::{test} does not exist"
        named += 1
    for case in re.findall(r"`\[([a-z_]+/[a-z_0-9.-]+)\]`", doc):
        assert case in cases, f"corpus case {case} is not in tests/data/bad/expected.yaml"
    assert named >= 30


def test_the_readme_example_runs_as_written(tmp_path, monkeypatch):
    """The README's "Example:" block, line by line, from a folder holding the checkout's examples/."""
    import shlex

    from typer.testing import CliRunner

    block = README.split("Example:\n\n```sh\n", 1)[1].split("```", 1)[0]
    (tmp_path / "examples").symlink_to(REPO / "examples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WATTLEDGER_DB", raising=False)
    for line in block.strip().splitlines():
        argv = shlex.split(line.split("  #")[0])
        assert argv[0] == "wattledger", line
        result = CliRunner().invoke(app, argv[1:], catch_exceptions=False)
        assert result.exit_code == 0, f"{line}\n{result.output}"
    assert (tmp_path / "wattledger.duckdb").exists() and (tmp_path / "reports" / "wattledger-2024-10.html").exists()
