"""What can be wrong with a database file or the settings to open it: one class per case, each
message naming the file (or the setting) and what to do. The command line prints the message."""

from __future__ import annotations


class DatabaseError(Exception):
    """The database cannot be used as asked; ``str(err)`` is a complete, one-line message."""


class DatabaseLocked(DatabaseError):
    """Another process holds the database's write lock."""


class DatabaseMissing(DatabaseError):
    """A command that only reads was given a database file that does not exist."""


class NotAWattledgerDatabase(DatabaseError):
    """The file is not a wattledger database: not a DuckDB file, damaged, or another program's
    DuckDB database (nothing is written to it)."""


class DatabaseReadOnly(DatabaseError):
    """A command that writes was given a file it may not write."""


class BadSetting(DatabaseError, ValueError):
    """An invalid $WATTLEDGER_THREADS, $WATTLEDGER_MEMORY_LIMIT or $WATTLEDGER_LOCK_TIMEOUT_S
    (or the same argument of connect())."""
