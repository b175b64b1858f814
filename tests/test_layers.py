"""The folder tree is the layering: nothing imports upward (docs/architecture.md).

units → kernel → ingest / factors / store → compute / pipeline → report → flows → CLI.
A static check of every import in wattledger/ and flows/ (module level and inside functions).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import REPO

#: Modules of the ground floor: constants, file locations, small generic helpers. They
#: import nothing of ours except each other.
BASE = {"wattledger", "wattledger.units", "wattledger.method", "wattledger.resources", "wattledger.iterators", "wattledger.files",
        "wattledger.yamlfile",
        "wattledger.hostlist"}

#: layer -> the layers it may import (besides itself and BASE)
ALLOWED = {
    "base": set(),
    "kernel": set(),
    "ingest": set(),
    "factors": {"kernel"},
    "store": set(),
    "compute": {"kernel", "factors", "store"},
    "pipeline": {"ingest", "factors", "store"},
    "report": {"store"},
    "flows": {"kernel", "ingest", "factors", "store", "compute", "pipeline", "report"},
    "cli": {"kernel", "ingest", "factors", "store", "compute", "pipeline", "report", "flows"},
}
#: third-party packages a layer must never import
FORBIDDEN_PACKAGES = {
    "kernel": {"duckdb", "polars", "pyarrow", "prefect", "logging", "time", "datetime"},
    "ingest": {"duckdb", "prefect"},
    "factors": {"duckdb", "prefect"},
    "store": {"prefect"},
    "compute": {"prefect"},
    "pipeline": {"prefect"},
    "report": {"prefect"},
}


def layer_of(module: str) -> str:
    if module in BASE:
        return "base"
    if module == "flows.cli" or module.startswith("flows.cli."):
        return "cli"
    if module.startswith("flows"):
        return "flows"
    parts = module.split(".")
    if parts[0] == "wattledger" and len(parts) > 1 and parts[1] in ALLOWED:
        return parts[1]
    raise AssertionError(f"{module}: not in any layer: add it to a layer's package or to BASE (docs/architecture.md)")


def _module_name(path: Path, root: Path) -> str:
    rel = path.relative_to(root).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.lineno, node.module))
    return out


def findings(root: Path) -> list[str]:
    problems = []
    for path in sorted([*(root / "wattledger").rglob("*.py"), *(root / "flows").rglob("*.py")]):
        if "_resources" in path.parts:
            continue
        module = _module_name(path, root)
        layer = layer_of(module)
        for line, imported in _imports(path):
            top = imported.split(".")[0]
            where = f"{path.relative_to(root).as_posix()}:{line}"
            if top in ("wattledger", "flows"):
                target = layer_of(_owning_module(imported))
                if target != layer and target != "base" and target not in ALLOWED[layer]:
                    problems.append(f"{where}: {layer} imports {imported} ({target})")
            elif top in FORBIDDEN_PACKAGES.get(layer, set()):
                problems.append(f"{where}: {layer} imports {top}")
    return problems


def _owning_module(imported: str) -> str:
    """``wattledger.store.writes`` -> its layer's key module (the base modules are single files)."""
    for base in BASE:
        if imported == base or imported.startswith(base + "."):
            if base != "wattledger" or imported == "wattledger":
                return base
    return imported


def test_nothing_imports_upward():
    assert findings(REPO) == []


def test_the_library_never_imports_prefect():
    hits = [f"{p.relative_to(REPO)}" for p in (REPO / "wattledger").rglob("*.py")
            if any(name.split(".")[0] == "prefect" for _, name in _imports(p))]
    assert hits == []


@pytest.mark.parametrize("package", ["kernel", "ingest", "factors", "store", "compute", "pipeline", "report"])
def test_package_init_files_hold_imports_only(package):
    tree = ast.parse((REPO / "wattledger" / package / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        assert docstring or isinstance(node, ast.Import | ast.ImportFrom) or _is_all(node), (
            f"wattledger/{package}/__init__.py:{node.lineno}: logic in a package's __init__.py")


def _is_all(node: ast.stmt) -> bool:
    return isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["__all__"]


def test_no_module_is_over_500_lines():
    long = {p.relative_to(REPO).as_posix(): n for p in [*(REPO / "wattledger").rglob("*.py"), *(REPO / "flows").rglob("*.py")]
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500}
    assert long == {}


def test_the_check_finds_an_upward_import(tmp_path):
    for rel, text in {
        "wattledger/kernel/bad.py": "import duckdb\nfrom wattledger.store import connect\n",
        "wattledger/store/ok.py": "from wattledger.units import W_PER_KW\n",
        "wattledger/store/bad.py": "def f():\n    from wattledger.ingest import parse\n",
        "flows/ok.py": "from wattledger.compute import compute_footprints\n",
    }.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    found = findings(tmp_path)
    assert found == [
        "wattledger/kernel/bad.py:1: kernel imports duckdb",
        "wattledger/kernel/bad.py:2: kernel imports wattledger.store (store)",
        "wattledger/store/bad.py:2: store imports wattledger.ingest (ingest)",
    ], found
