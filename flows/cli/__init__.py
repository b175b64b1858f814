"""The ``wattledger`` command: a thin face over the library and the Prefect flow.

Each command parses its arguments and calls one library function (or the flow). The
commands live in modules by what they do; importing this package registers them all, in
the order ``wattledger --help`` lists them.
"""

from flows.cli.common import app
from flows.cli import ingest, report, reference, query, flow_commands, whatif  # noqa: F401  (register the commands)
from flows.cli.costs import register as _register_cost_commands

_register_cost_commands(app)  # costs, budgets, project-costs, equivalents (flows/cli/costs.py)

__all__ = ["app"]
