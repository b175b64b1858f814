"""The kernel over a partition (compute/kernel_table.py): an optional input that no run of the
partition has is handed to the kernel as absent (None), so the kernel reads and writes less;
a run's footprint must not depend on which runs share its partition."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from conftest import EXAMPLES
from wattledger.compute import compute_footprints, kernel_table
from wattledger.compute.kernel_table import run_kernel_here
from wattledger.pipeline import ingest_paths, load_site_file
from wattledger.store import connect

WATER_INPUTS = ("wue_value", "wue_low", "wue_high", "water_intensity_l_per_kwh", "water_intensity_low_l_per_kwh",
                "water_intensity_high_l_per_kwh")


@pytest.fixture(scope="module")
def partitions(tmp_path_factory) -> list[tuple[pl.DataFrame, pl.DataFrame]]:
    """The (resolved runs, footprint inputs) partitions the compute of the example logs hands the kernel."""
    con = connect(str(tmp_path_factory.mktemp("kernel_table") / "examples.duckdb"))
    seen: list[tuple[pl.DataFrame, pl.DataFrame]] = []

    def capture(parts):
        seen.extend(parts)
        return run_kernel_here(parts)

    try:
        ingest_paths(con, [EXAMPLES / "public_runs.csv", EXAMPLES / "cluster_logs", EXAMPLES / "slurm"])
        load_site_file(con, EXAMPLES / "datacenters.yaml")
        compute_footprints(con, kernel_map=capture)
    finally:
        con.close()
    return seen


def _bits(frame: pl.DataFrame) -> pl.DataFrame:
    """Floats as their bit patterns (the sign of a zero included), other columns as they are."""
    return frame.with_columns(
        pl.Series(name, frame[name].fill_null(0.0).to_numpy().view(np.uint64)).alias(name)
        for name, dtype in frame.schema.items() if dtype == pl.Float64)


def test_a_runs_footprint_does_not_depend_on_its_partition(partitions):
    ok, pre = pl.concat([p[0] for p in partitions]), pl.concat([p[1] for p in partitions])
    has_cpu = ok["energy_cpu_kwh"].is_not_null()
    assert has_cpu.any() and not has_cpu.all()  # both paths taken: the CPU part as an array, and absent
    together = kernel_table(ok, pre)
    alone = pl.concat([kernel_table(ok.slice(i, 1), pre.slice(i, 1)) for i in range(ok.height)])
    assert together.columns == alone.columns
    assert _bits(together).equals(_bits(alone), null_equal=True)


def test_a_partition_without_water_inputs_has_no_water_figure(partitions):
    ok, pre = partitions[0]
    dry = ok.with_columns(pl.lit(None, pl.Float64).alias(name) for name in WATER_INPUTS)
    wet_table, dry_table = kernel_table(ok, pre), kernel_table(dry, pre)
    water = [c for c in dry_table.columns if c.startswith("water_") and c.endswith(("_l", "_l_low", "_l_high"))]
    assert len(water) == 9
    for name in water:
        assert dry_table[name].is_nan().all() and dry_table[name].null_count() == 0, name
        assert not wet_table[name].is_nan().all(), name
    others = [c for c in dry_table.columns if c not in water]
    assert _bits(dry_table.select(others)).equals(_bits(wet_table.select(others)), null_equal=True)
