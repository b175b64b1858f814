"""wattledger serve: refuses the temporary server clearly; on a real Prefect server it
registers a scheduled deployment whose runs ingest, compute and report."""

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import EXAMPLES

CLI = [sys.executable, "-m", "flows.cli"]


def _env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1")
    env.update(extra)
    return env


def test_serve_refuses_the_temporary_server_with_the_way_out(tmp_path):
    r = subprocess.run([*CLI, "serve", str(EXAMPLES / "cluster_logs"), "--cron", "0 2 * * *",
                        "--db", str(tmp_path / "w.duckdb")], env=_env(tmp_path), capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 2
    text = " ".join(r.stderr.split())
    assert "real Prefect server" in text and "prefect server start" in text and "PREFECT_API_URL" in text
    assert not (tmp_path / "w.duckdb").exists()  # nothing started, nothing written


def test_serve_rejects_a_bad_cron_expression(tmp_path):
    r = subprocess.run([*CLI, "serve", str(EXAMPLES / "cluster_logs"), "--cron", "every night"],
                       env=_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "every night" in r.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
def test_serve_on_a_real_server_runs_the_scheduled_pipeline(tmp_path):
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = _env(tmp_path, PREFECT_API_URL=api)
    server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                               "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    served = None
    try:
        def healthy():
            try:
                return urllib.request.urlopen(f"{api}/health", timeout=2).read() == b"true"
            except OSError:
                return False

        _wait(healthy, 120, "the Prefect server")
        db = tmp_path / "served.duckdb"
        served = subprocess.Popen([*CLI, "serve", str(EXAMPLES / "cluster_logs"), "--cron", "0 2 * * *",
                                   "--db", str(db), "--out", str(tmp_path / "report.md"), "--name", "nightly-test"],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        run = [sys.executable, "-m", "prefect", "deployment", "run", "wattledger-pipeline/nightly-test"]
        _wait(lambda: subprocess.run(run, env=env, capture_output=True).returncode == 0, 120,
              "the deployment to be registered and a run to be created")
        _wait(lambda: (tmp_path / "report.md").exists(), 180, "the served run to write its report")
        served.terminate()
        served.wait(timeout=60)
        from wattledger.store import connect

        con = connect(db, read_only=True)
        assert con.execute("select count(*) from run_footprints").fetchall() == [(379,)]
        con.close()
    finally:
        for p in (served, server):
            if p is not None and p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
