"""Where the files read at run time live: sql/, grid_intensity/, tariffs/, hardware/, examples/.

:func:`sql_text` is the single reader of sql/ files; only wattledger/store/ calls it.

In a checkout (or an editable install) they are the repository's top-level folders;
in an installed wheel they are packed under ``wattledger/_resources/``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def resource_dir(name: str) -> Path:
    """The folder ``name`` (e.g. ``"sql"``), from the wheel or the checkout."""
    for candidate in (_PACKAGE_DIR / "_resources" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"wattledger resource folder {name!r} not found in {_PACKAGE_DIR / '_resources'} "
        f"or {_PACKAGE_DIR.parent}: is the package installed completely?"
    )


@cache
def sql_text(relative_path: str) -> str:
    """The text of ``sql/<relative_path>``."""
    return (resource_dir("sql") / relative_path).read_text(encoding="utf-8")
