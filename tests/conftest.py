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


# --- test oracles: compositions of the kernel used as independent checks ---------------------


def window_energy_kwh(device, t_s, power_w, window_device, window_start_s, window_end_s, *, max_gap_s=None):
    """Energy of each window from power samples: ``power_curve`` then ``window_energy``."""
    from wattledger.kernel.telemetry import DEFAULT_MAX_GAP_S, power_curve, window_energy

    curve = power_curve(device, t_s, power_w, max_gap_s=DEFAULT_MAX_GAP_S if max_gap_s is None else max_gap_s)
    return window_energy(curve, window_device, window_start_s, window_end_s)


def hourly_integral(series_start_s, values, run_start_s, run_end_s, *, series_index=None, step_s=3600.0):
    """∫ v dt over each run [value × h] and the covered hours, straight from the kernel's core
    (no blocks): the oracle the blocked ``hourly_mean`` is checked against."""
    from types import SimpleNamespace

    import numpy as np

    from wattledger.kernel import hourly as k

    start, end = k._run_arrays(run_start_s, run_end_s)
    origin, vals, sid = k._as_series(series_start_s, values, series_index, start.size)
    offsets = k._grid_offsets(vals.shape[1], step_s)
    integral, covered_s, _ = k._integrate(offsets, vals, sid, *k._relative(start, end, origin, sid), float(step_s))
    invalid = ~(end - start >= 0)
    return SimpleNamespace(integral_h=np.where(invalid, np.nan, integral / 3600.0),
                           covered_h=np.where(invalid, np.nan, covered_s / 3600.0))
