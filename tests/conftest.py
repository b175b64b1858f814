"""Shared fixtures. Tests run offline: Prefect analytics off, Prefect state in a temp dir."""

import os
import tempfile

# Before anything imports prefect: no telemetry, a private PREFECT_HOME (no stale cache).
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"
os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="wattledger-prefect-")
os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "90"
os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"
os.environ.pop("WATTLEDGER_DB", None)

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from wattledger.store import connect  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"

HEADER = "run_id,team,project,started_at,ended_at,gpu_model,gpu_count,avg_power_w,pue,region"


@pytest.fixture
def con():
    """A fresh in-memory database with the schema applied."""
    c = connect(":memory:")
    yield c
    c.close()


@pytest.fixture
def write(tmp_path):
    """write(name, text) -> Path of a new file under tmp_path."""

    def _write(name: str, text: str | bytes) -> Path:
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            p.write_bytes(text)
        else:
            p.write_text(text, encoding="utf-8", newline="")
        return p

    return _write


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect server for every test that runs a flow."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield
