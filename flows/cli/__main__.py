"""``python -m flows.cli``: the same as the ``wattledger`` console script."""

from flows.cli import app

app()
