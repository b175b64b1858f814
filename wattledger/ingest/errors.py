"""Errors of the ingest layer."""


class FileRefused(Exception):
    """A source file that cannot be read at all; nothing of it is stored.

    The message names the file (and line/column where one is known).
    """

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")

    def __reduce__(self):  # picklable: a refusal travels back from a Dask worker
        return (FileRefused, (self.path, self.reason))
