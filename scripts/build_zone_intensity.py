#!/usr/bin/env python3
"""Derive grid_intensity/zone_intensity_electricitymaps.csv from co2.js's Electricity Maps yearly files.

Usage (from the repository root)::

    python scripts/build_zone_intensity.py [--source ../shared/data] [--out .]

Source: ``co2js/data/output/electricity-maps/yearly_<year>.json`` (thegreenwebfoundation/co2.js,
data from the Electricity Maps API): one object per zone with ``carbonIntensity`` in gCO2eq/kWh
(Electricity Maps' default: lifecycle emission factors). The files are **ODbL 1.0** (Electricity
Maps): the derived table is written to its own file, with its own licence column, and its
attribution is in grid_intensity/README.md; it is never merged into the CC BY tables.

One row per (zone, year): zone id as Electricity Maps writes it (``US-CAL-CISO``, ``DE``), its
name, its ISO country (the zone id's first two letters), the year, the intensity in kg/kWh.
Rows are sorted; floats are written with 6 decimals; the build fails on any unexpected unit,
a missing value, or a zone id that does not start with a two-letter country code.

Standard library only. ``build_reference_data.py`` calls :func:`build_zone_intensity`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
ZONE_DIR = Path("co2js") / "data" / "output" / "electricity-maps"
OUT_NAME = Path("grid_intensity") / "zone_intensity_electricitymaps.csv"
SOURCE = ("Electricity Maps yearly carbon intensity (lifecycle), via thegreenwebfoundation/co2.js "
          "data/output/electricity-maps/yearly_{year}.json; commit {commit}")
LICENCE = "ODbL-1.0"
URL = "https://github.com/thegreenwebfoundation/co2.js/tree/main/data/output/electricity-maps"
#: co2.js SOURCE notes: the latest file comes from the API at fetch time (may be partial-year).
PARTIAL_NOTE = {2025: "fetched during 2025 by co2.js: may be a partial-year or estimated value"}
HEADER = ["zone", "zone_name", "country", "vintage_year", "intensity_kg_per_kwh", "basis", "renewable_share",
          "source", "licence", "url", "note"]


class ZoneBuildError(RuntimeError):
    """A source file does not look the way this script expects."""


def _commit(src: Path) -> str:
    for line in (src / "co2js" / "SOURCE.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("commit:"):
            return line.split()[1][:12]
    raise ZoneBuildError("co2js/SOURCE.txt: no commit line")


def _cell(text: str) -> str:
    return f'"{text}"' if any(c in text for c in ',"\n') else text


def build_zone_intensity(src: Path) -> tuple[str, dict]:
    """The CSV text of the zone table and build statistics."""
    folder = src / ZONE_DIR
    files = sorted(folder.glob("yearly_*.json"))
    if not files:
        raise ZoneBuildError(f"{folder}: no yearly_*.json")
    commit = _commit(src)
    rows = []
    for path in files:
        year = int(re.fullmatch(r"yearly_(\d{4})", path.stem).group(1))
        data = json.loads(path.read_text(encoding="utf-8"))
        for zone, entry in data.items():
            if not re.fullmatch(r"[A-Z]{2}(-[A-Z0-9]+)*", zone):
                raise ZoneBuildError(f"{path.name}: zone id {zone!r} does not start with an ISO country code")
            ci = entry.get("carbonIntensity") or {}
            if ci.get("unit") != "gCO2eq/kWh" or not isinstance(ci.get("value"), int | float) or ci["value"] <= 0:
                raise ZoneBuildError(f"{path.name}: zone {zone}: carbonIntensity {ci!r} is not a positive gCO2eq/kWh value")
            re_share = (entry.get("renewableEnergy") or {}).get("value")
            name = (entry.get("zone") or {}).get("zoneName") or zone
            rows.append([zone, name, zone[:2], str(year), f"{ci['value'] / 1000.0:.6f}", "lifecycle",
                         "" if re_share is None else f"{re_share / 100.0:.2f}",
                         SOURCE.format(year=year, commit=commit), LICENCE, URL, PARTIAL_NOTE.get(year, "")])
    rows.sort(key=lambda r: (r[0], int(r[3])))
    text = ",".join(HEADER) + "\n" + "".join(",".join(_cell(c) for c in r) + "\n" for r in rows)
    zones = {r[0] for r in rows}
    stats = {"rows": len(rows), "zones": len(zones), "us_subzones": len({z for z in zones if z.startswith("US-")}),
             "years": f"{min(int(r[3]) for r in rows)}-{max(int(r[3]) for r in rows)}"}
    return text, stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=REPO_ROOT / ".." / "shared" / "data")
    parser.add_argument("--out", type=Path, default=REPO_ROOT)
    args = parser.parse_args(argv)
    try:
        text, stats = build_zone_intensity(args.source.resolve())
    except ZoneBuildError as exc:
        print(f"build_zone_intensity: ERROR: {exc}", file=sys.stderr)
        return 1
    out = args.out.resolve() / OUT_NAME
    out.write_bytes(text.encode("utf-8"))
    print(json.dumps(stats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
