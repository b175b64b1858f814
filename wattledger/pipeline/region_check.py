"""The warning about region strings the reference tables do not know (issue 16).

A run whose region names nothing wattledger knows (after case, ISO3 codes, country and zone
names, EIA codes) gets the world-average grid factor. ``wattledger ingest`` says so once per
region value, with the runs affected, right after loading them; the report lists them under
data quality.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from wattledger.factors import FactorLibrary
from wattledger.factors.keys import unknown_regions
from wattledger.store import regions_of_files


@dataclass(frozen=True)
class UnknownRegion:
    region: str  # as the runs write it
    runs: int
    example_runs: tuple[str, ...]  # up to five run ids

    def line(self) -> str:
        more = ", …" if self.runs > len(self.example_runs) else ""
        return (f"warning: region {self.region!r} is not in the reference tables: {self.runs} run(s) "
                f"({', '.join(self.example_runs)}{more}) get the world-average grid factor (default:WORLD); write an ISO "
                "country code or name, a grid zone (US-CAL-CISO) or a cloud region (aws:us-east-1); "
                "see: wattledger factors --region REGION")


def unknown_regions_of_files(con: duckdb.DuckDBPyConnection, source_file_ids: list[int],
                             library: FactorLibrary | None = None) -> list[UnknownRegion]:
    """One entry per unknown region value written by the runs of ``source_file_ids``."""
    if not source_file_ids:
        return []
    regions = regions_of_files(con, source_file_ids)
    if regions.height == 0:
        return []
    lib = library or FactorLibrary()
    unknown = regions.filter(unknown_regions(regions["region"], lib))
    return [UnknownRegion(r["region"], r["runs"], tuple(r["example_runs"])) for r in unknown.iter_rows(named=True)]
