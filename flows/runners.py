"""Task runners of the pipeline flow: threads on this machine, or Dask workers.

Only the flow process reads and writes DuckDB; the tasks a runner receives (parsing and
validating files, the kernel over partitions) are pure functions of their inputs.
"""

from __future__ import annotations

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

RUNNERS = ("threads", "dask")


class RunnerError(Exception):
    """A task runner that cannot be set up (unknown name, prefect-dask missing)."""


def task_runner(kind: str = "threads", *, dask_address: str | None = None, workers: int = 2) -> TaskRunner:
    """``threads``: a pool of ``workers`` threads. ``dask``: a local Dask cluster of ``workers``
    worker processes (one thread each), or the existing cluster at ``dask_address``
    (``tcp://scheduler:8786``)."""
    if kind == "threads":
        if dask_address:
            raise RunnerError("--dask-address needs --task-runner dask")
        return ThreadPoolTaskRunner(max_workers=workers)
    if kind != "dask":
        raise RunnerError(f"unknown task runner {kind!r}; choose one of {', '.join(RUNNERS)}")
    try:
        from prefect_dask import DaskTaskRunner  # noqa: PLC0415
    except ImportError:
        raise RunnerError(
            "--task-runner dask needs prefect-dask and dask.distributed: pip install 'wattledger[dask]'"
        ) from None
    if dask_address:
        return DaskTaskRunner(address=dask_address)
    return DaskTaskRunner(cluster_kwargs={
        "n_workers": workers, "threads_per_worker": 1, "processes": True, "dashboard_address": None,
    })
