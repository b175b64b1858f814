"""Compute: the queue of runs, in batches, through telemetry attribution, factors and the kernel to footprints."""

from wattledger.compute.attribution import TELEMETRY_SCHEMA, measured_telemetry, sample_arrays
from wattledger.compute.inputs import CODE_VERSION, footprint_inputs, inputs_sha
from wattledger.compute.kernel_table import PARTITION_RUNS, KernelMap, kernel_table, partitions, run_kernel_here
from wattledger.compute.run import BATCH_RUNS, ComputeResult, compute_footprints, current_factor_set, unknown_datacenters_line

__all__ = [
    "BATCH_RUNS",
    "CODE_VERSION",
    "PARTITION_RUNS",
    "TELEMETRY_SCHEMA",
    "ComputeResult",
    "KernelMap",
    "compute_footprints",
    "current_factor_set",
    "unknown_datacenters_line",
    "footprint_inputs",
    "inputs_sha",
    "kernel_table",
    "measured_telemetry",
    "partitions",
    "run_kernel_here",
    "sample_arrays",
]
