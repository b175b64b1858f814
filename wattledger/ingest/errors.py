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


def header_refusal(path, err: Exception) -> FileRefused:
    """The refusal of a header line that Python's csv module cannot split."""
    return FileRefused(
        path,
        f"line 1: the header cannot be read as CSV ({err}); lines must end with LF or CRLF "
        "(a file with CR-only line endings, as classic Mac OS wrote them, is one long line)",
    )
