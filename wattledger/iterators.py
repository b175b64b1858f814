"""Generic iterator helpers (no wattledger imports): work one item ahead in a background thread.

Parsing (polars, numpy, a private DuckDB for validation) and storing (the database's own
DuckDB) both release the GIL, so on two cores they overlap. One item ahead at most, so
memory holds at most two items.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")
_DONE = object()


class _Raised:
    def __init__(self, error: BaseException):
        self.error = error


def prefetched(items: Iterator[T], ahead: int = 1) -> Iterator[T]:
    """The items of ``items``, produced by a background thread up to ``ahead`` in advance.

    An exception raised by ``items`` is raised here, at the position it occurred. When the
    consumer stops early (an error while storing), the producer is told to stop and joined.
    """
    slots: queue.Queue = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def put(value) -> bool:
        while not stop.is_set():
            try:
                slots.put(value, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
        except BaseException as err:  # noqa: BLE001  (handed to the consumer)
            put(_Raised(err))
            return
        put(_DONE)

    worker = threading.Thread(target=produce, name="wattledger-parse-ahead", daemon=True)
    worker.start()
    try:
        while True:
            value = slots.get()
            if value is _DONE:
                return
            if isinstance(value, _Raised):
                raise value.error
            yield value
    finally:
        stop.set()
        worker.join()
        close = getattr(items, "close", None)
        if close is not None and not worker.is_alive():
            close()
