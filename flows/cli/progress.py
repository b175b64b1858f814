"""Progress of `wattledger ingest`: a bar on a terminal, plain lines on stderr otherwise."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class IngestProgress:
    """Files and rows done: a progress bar on a terminal, plain lines on stderr otherwise."""

    def __init__(self, err: Console | None = None):
        self.err = err if err is not None else Console(stderr=True)
        self.rows = 0
        self.bar = Progress(TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), console=self.err) if self.err.is_terminal else None

    def __enter__(self):
        if self.bar:
            self.bar.start()
            self.task = self.bar.add_task("ingesting", total=None)
        return self

    def __exit__(self, *exc):
        if self.bar:
            self.bar.stop()

    def update(self, done: int, total: int, outcome) -> None:
        loaded = getattr(outcome, "loaded", 0)
        telemetry = getattr(outcome, "format", "") in ("nvidia-smi", "dcgm")  # loaded counts power samples
        self.rows += 0 if telemetry else loaded
        name = Path(getattr(outcome, "path", "")).name
        if self.bar:
            self.bar.update(self.task, completed=done, total=total,
                            description=f"ingesting {name} ({self.rows:,} runs so far)")
        else:
            what = (f"{loaded} {'power samples ' if telemetry else ''}loaded, {outcome.rejected} rejected"
                    if hasattr(outcome, "loaded") else "refused")
            typer.echo(f"[{done}/{total}] {name}: {what}; {self.rows:,} runs so far", err=True)
