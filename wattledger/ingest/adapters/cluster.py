"""The Slurm cluster file (``cluster.yaml``): what sacct does not say about a job.

sacct prints local times without an offset, partitions and node names, not GPU models
or datacenters. The cluster file supplies them, validated with pydantic::

    cluster: bluebonnet            # namespaces run ids: slurm:bluebonnet:<JobID>
    timezone: America/Chicago      # IANA zone of the slurmctld host: sacct times are local
    datacenter: tx-colo-2          # default for every job (optional; also gpu_model, region)
    partitions:
      gpu-a100: {gpu_model: A100-SXM4-80GB, cpu_model: AMD EPYC 7742}
      gpu-h100: {gpu_model: H100-SXM, cpu_threads_per_core: 2}   # cpu= counts threads (SMT)
      cpu: {cpu_model: AMD EPYC 7763}  # CPU jobs: their cores' power per core
    nodes:                         # optional, first match wins, checked before partitions
      - glob: "hgx-h100-*"         # matched against sacct's NodeList text
        gpu_model: H100-SXM
        datacenter: ca-colo-1
    gres_types:                    # optional: gres/gpu:<type> -> GPU model
      a100: A100-SXM4-80GB
    sacct_fields: [JobID, JobName, ...]   # only for files saved with --noheader

Each of ``gpu_model``, ``cpu_model``, ``cpu_threads_per_core``, ``datacenter`` and ``region`` is taken from the first source
that sets it: the first matching ``nodes`` rule, then ``gres_types`` (gpu_model only, and
only when the job's AllocTRES names one GPU type), then the job's partition, then the
top-level default.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, field_validator, model_validator

from wattledger.ingest.adapters.config import Strict, check_timezone, load_yaml_model

#: File name looked for next to a sacct file when no cluster file is given.
CLUSTER_FILE_NAME = "cluster.yaml"


class Placement(Strict):
    """What a partition or node rule says about the jobs it matches."""

    gpu_model: str | None = Field(None, min_length=1)
    datacenter: str | None = Field(None, min_length=1)
    region: str | None = Field(None, min_length=1)
    cpu_model: str | None = Field(None, min_length=1)  # e.g. AMD EPYC 7763 (hardware/cpu_power.csv)
    # Slurm counts hardware threads as CPUs where SMT is on: cpu=224 on 112 cores is 2 per core
    cpu_threads_per_core: int | None = Field(None, ge=1, le=8)


class NodeRule(Placement):
    """Jobs whose NodeList text matches ``glob`` (``*`` and ``?`` only) or ``regex``."""

    glob: str | None = Field(None, min_length=1)
    regex: str | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _one_pattern(self):
        if (self.glob is None) == (self.regex is None):
            raise ValueError("give exactly one of glob or regex")
        if self.regex is not None:
            try:
                re.compile(self.regex)
            except re.error as err:
                raise ValueError(f"regex {self.regex!r} does not compile: {err}") from None
        return self

    @property
    def pattern(self) -> str:
        """A regular expression matching from the start of the NodeList text."""
        if self.regex is not None:
            return self.regex if self.regex.startswith("^") else "^(?:" + self.regex + ")"
        return "^" + "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in self.glob)


class ClusterFile(Placement):
    """The whole file; its own gpu_model / datacenter / region are defaults for every job."""

    cluster: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", description="name used in run ids")
    timezone: str
    partitions: dict[str, Placement] = Field(default_factory=dict)
    nodes: list[NodeRule] = Field(default_factory=list)
    gres_types: dict[str, str] = Field(default_factory=dict)
    sacct_fields: list[str] | None = Field(None, min_length=1)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        return check_timezone(v)

    @field_validator("gres_types")
    @classmethod
    def _lower_types(cls, v: dict[str, str]) -> dict[str, str]:
        return {k.lower(): m for k, m in v.items()}


def load_cluster_file(path: Path) -> ClusterFile:
    """Read and validate a cluster file; :class:`ConfigFileError` names the file and key."""
    return load_yaml_model(path, ClusterFile)
