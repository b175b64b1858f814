"""Output files written whole or not at all, and never over a file they must not replace.

Ground floor: imports nothing of ours. Each file is written to a temporary with a unique name,
created exclusively (``O_CREAT | O_EXCL | O_NOFOLLOW``: a link planted at any name is never
followed) in the target's own folder, flushed and fsynced, then renamed over the target
(``os.replace``, atomic within a folder). A set of files (a report and its charts) is written
completely to temporaries first and renamed in the order given (the document last, so a reader
never sees it point at a missing or half-written chart); on any failure before the renames
every temporary is removed and the targets are untouched. A process killed meanwhile leaves
the old files, or the new ones, plus at most temporaries named ``.<name>.<random>.tmp``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import BinaryIO

#: A writer fills the open (binary) temporary of one file.
Writer = Callable[[BinaryIO], None]

_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


class OutputError(ValueError):
    """An output path that must not or cannot be written (a folder, the database, an input)."""


def temporary_name(target: Path) -> str:
    """A fresh temporary name beside ``target``: ``.<name>.<random>.tmp``."""
    return f".{target.name}.{secrets.token_hex(8)}.tmp"


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)  # a hard link, or any other name of the same file
    except OSError:
        return False


def check_output(path: Path | str, protected: Mapping[str, str] | None = None, *, what: str = "--out") -> Path:
    """``path`` made absolute, or :class:`OutputError` when it is a folder, its parent is not
    a folder, or it names a path of ``protected`` (path -> what it is, e.g. "the database"),
    compared after resolving symlinks and relative paths, and by file identity (a hard link).
    Creates nothing."""
    given = Path(path)
    target = Path(os.path.abspath(given))
    resolved = target.resolve()
    for p, label in (protected or {}).items():
        other = Path(os.path.abspath(p))
        if resolved == other.resolve() or target == other or _same(target, other):
            raise OutputError(f"{what} {given}: that is {label} ({p}); it is never overwritten, choose another path")
    if target.is_dir() or resolved.is_dir():
        raise OutputError(f"{what} {given}: is a folder; name a file in it")
    for parent in resolved.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(f"{what} {given}: {parent} is not a folder")
            break
    return resolved


def _open_temporary(folder: Path, target: Path) -> tuple[Path, int]:
    for _ in range(100):
        tmp = folder / temporary_name(target)
        try:
            return tmp, os.open(tmp, _OPEN_FLAGS, 0o666)  # the umask applies, as for any new file
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name in {folder}")


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_together(files: Sequence[tuple[Path, Writer]], *, what: str = "--out") -> None:
    """Write every ``(target, writer)`` to a temporary, then rename each over its target in
    the order given. On any failure before the renames the temporaries are removed and no
    target changes; folder and permission problems raise :class:`OutputError`."""
    temporaries: list[tuple[Path, Path]] = []
    target = None
    try:
        for target, writer in files:
            target = Path(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp, fd = _open_temporary(target.parent, target)
            temporaries.append((tmp, target))
            with os.fdopen(fd, "wb") as f:
                writer(f)
                f.flush()
                os.fsync(f.fileno())
        for i, (tmp, target) in enumerate(temporaries):
            if target.is_dir():  # appeared meanwhile: os.replace would fail on it
                raise OutputError(f"{what} {target}: is a folder; name a file in it")
            os.replace(tmp, target)
            temporaries[i] = (target, target)  # renamed: nothing to remove
        for folder in {t.parent for _, t in temporaries}:
            _fsync_folder(folder)
    except BaseException as e:
        for tmp, done in temporaries:
            if tmp != done:
                tmp.unlink(missing_ok=True)
        if isinstance(e, OSError):  # no such folder, a file as folder, no permission, a full disk
            raise OutputError(f"{what} {target}: cannot write it ({e.strerror or e})") from None
        raise


def write_bytes(target: Path, data: bytes, *, what: str = "--out") -> None:
    """One file, whole or not at all."""
    write_together([(target, lambda f: f.write(data))], what=what)
