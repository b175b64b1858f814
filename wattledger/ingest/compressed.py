"""Compressed logs (gzip ``.gz``, Zstandard ``.zst``): read through a decompressed copy.

Rotated logs are often compressed (``runs.csv.2.gz``). The readers need a plain file
(byte pieces, Parquet footers), so planning streams the content into a private copy in
the temporary folder (``TMPDIR``), named like the logical file (``runs.csv``) so that its
suffix still says the format. The stored path, the messages and the side files stay the
original's; the content hash is the decompressed content's, so ``runs.csv.1`` compressed
to ``runs.csv.2.gz`` by rotation is the same content. A copy is removed as soon as its
file has been read (:func:`discard_copy`), and any left at exit.

The codec is told by the first bytes (gzip ``1f 8b``, Zstandard ``28 b5 2f fd``), not the
name: a file named ``.gz`` whose content is not compressed is read as it is; a corrupt or
truncated stream is refused, naming the file.
"""

from __future__ import annotations

import atexit
import gzip
import hashlib
import shutil
import tempfile
import threading
import zlib
from pathlib import Path

from wattledger.ingest.errors import FileRefused
from wattledger.ingest.file_names import compression_of, logical_name

#: First bytes of each codec's stream.
MAGIC = {"gzip": b"\x1f\x8b", "zstd": b"\x28\xb5\x2f\xfd"}
_BLOCK = 8 * 2**20
#: Name prefix of a process's folder of copies in the temporary folder.
_PREFIX = "wattledger-decompressed-"
_lock = threading.Lock()
_folder: Path | None = None


def codec_of(head: bytes) -> str | None:
    """The codec whose magic bytes start ``head``, or None."""
    for codec, magic in MAGIC.items():
        if head.startswith(magic):
            return codec
    return None


def _copies_folder() -> Path:
    """This process's folder of decompressed copies (removed at exit)."""
    global _folder
    with _lock:
        if _folder is None or not _folder.is_dir():
            _folder = Path(tempfile.mkdtemp(prefix=_PREFIX))
            atexit.register(shutil.rmtree, _folder, True)
        return _folder


def _reader(codec: str, raw):
    if codec == "gzip":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    import zstandard  # a dependency; imported here so that plain files never load it

    return zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)


def decompressed_copy(path: Path, codec: str, head: bytes) -> tuple[Path, str, int]:
    """Stream ``path`` (``codec``) into a fresh private copy: ``(copy, sha256, bytes)`` of the
    decompressed content. Raises :class:`FileRefused` (no copy left) for a corrupt or
    truncated stream, or a full disk."""
    folder = Path(tempfile.mkdtemp(dir=_copies_folder()))
    copy = folder / logical_name(path)
    h = hashlib.sha256()
    size = 0
    try:
        with open(path, "rb") as raw, _reader(codec, raw) as stream, open(copy, "xb") as out:
            while block := stream.read(_BLOCK):
                h.update(block)
                out.write(block)
                size += len(block)
    except (OSError, EOFError, zlib.error, ValueError) as err:
        shutil.rmtree(folder, ignore_errors=True)
        what = getattr(err, "strerror", None) or str(err) or type(err).__name__
        raise FileRefused(path, f"cannot decompress ({codec}): {what}") from None
    except Exception as err:  # zstandard.ZstdError and kin
        shutil.rmtree(folder, ignore_errors=True)
        raise FileRefused(path, f"cannot decompress ({codec}): {err}") from None
    return copy, h.hexdigest(), size


def head_of(path: Path, n: int) -> bytes:
    """The first ``n`` decompressed bytes of ``path`` (its plain bytes when it is not
    compressed); raises OSError or :class:`FileRefused` when they cannot be read."""
    with open(path, "rb") as raw:
        head = raw.read(n)
        codec = codec_of(head)
        if codec is None:
            return head
        raw.seek(0)
        try:
            with _reader(codec, raw) as stream:
                return stream.read(n)
        except (EOFError, zlib.error, ValueError, OSError) as err:
            raise FileRefused(path, f"cannot decompress ({codec}): {err}") from None
        except Exception as err:  # noqa: BLE001  zstandard.ZstdError
            raise FileRefused(path, f"cannot decompress ({codec}): {err}") from None



def is_copy(path: Path | None) -> bool:
    """Whether ``path`` is a decompressed copy (made by this process or by a worker process
    that planned the file: ``<TMPDIR>/wattledger-decompressed-*/<private>/<name>``)."""
    if path is None:
        return False
    folder = Path(path).parent.parent
    return folder.name.startswith(_PREFIX) and folder.parent == Path(tempfile.gettempdir())


def discard_copy(path: Path | None) -> None:
    """Remove a decompressed copy (and its private folder); nothing for any other path."""
    if is_copy(path):
        shutil.rmtree(Path(path).parent, ignore_errors=True)


__all__ = ["MAGIC", "codec_of", "compression_of", "decompressed_copy", "discard_copy", "head_of", "is_copy"]
