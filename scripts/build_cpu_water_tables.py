"""Build hardware/cpu_power.csv and grid_intensity/water_intensity.csv from the raw sources.

    python scripts/build_cpu_water_tables.py [--source ../shared/data] [--out .]

hardware/cpu_power.csv: one row per CPU model, TDP per package and per core [W].
  - Green Algorithms data/v3.0/TDP_cpu.csv (CC BY 4.0): model, TDP, cores, TDP per core, the
    row's own citation (ark.intel.com, amd.com, techpowerup.com). Preferred: it has core counts.
  - CodeCarbon codecarbon/data/hardware/cpu_power.csv (MIT): name, TDP. No core count, so no
    per-core figure unless the name says it ("32-Core"). A model in both tables takes Green
    Algorithms' row. Names are matched after ``cpu_key`` (wattledger.factors.cpu_power).
  - hardware/cpu_cores.csv (hand-curated, one vendor citation per row): the core count of common
    datacenter CPUs that CodeCarbon lists without one; their per-core figure is TDP / cores.
  Green Algorithms' row ``Any`` (12 W per core, its default for an unknown CPU) is kept as the
  documented default (model ``default``).

grid_intensity/water_intensity.csv: litres of water consumed per kWh generated, per country.
  - Generation mix: CodeCarbon codecarbon/data/private_infra/global_energy_mix.json (TWh by
    source per ISO3 country, mostly 2023, from Our World in Data / Ember; MIT, data CC BY 4.0).
  - Water consumed per MWh of each source (operational, at the plant): Macknick, Newmark, Heath,
    Hallett (2012), "Operational water consumption and withdrawal factors for electricity
    generating technologies: a review of existing literature", Environ. Res. Lett. 7 045802,
    doi:10.1088/1748-9326/7/4/045802: median consumption factors in gal/MWh (TECHNOLOGY below).
  The country's factor is the generation-weighted mean; WORLD is the mean over every country's
  generation. Bounds: low takes each source's lowest cooling median and no reservoir evaporation
  for hydropower (its allocation to power is disputed), high each source's highest median.
Deterministic: sorted rows, 6 decimals, \n line endings.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
from pathlib import Path

GAL_L = 3.785411784  # US gallon [L] (exact, NIST)
MACKNICK = ("Macknick et al. 2012, Environ. Res. Lett. 7 045802 (operational water consumption, median gal/MWh)")
MACKNICK_URL = "https://doi.org/10.1088/1748-9326/7/4/045802"
#: source of the mix -> (central, low, high) gal/MWh and the technology each stands for
TECHNOLOGY = {
    "coal_TWh": (687.0, 250.0, 687.0, "generic coal, cooling tower (once-through 250)"),
    "gas_TWh": (198.0, 100.0, 240.0, "natural gas combined cycle, tower (once-through 100, pond 240)"),
    "oil_TWh": (826.0, 240.0, 826.0, "steam cycle as natural gas steam, tower (once-through 240)"),
    "nuclear_TWh": (672.0, 269.0, 672.0, "nuclear, tower (once-through 269, pond 610)"),
    "hydroelectricity_TWh": (4491.0, 0.0, 4491.0, "hydropower, reservoir evaporation (low: none allocated)"),
    "biofuel_TWh": (553.0, 300.0, 553.0, "biopower steam, tower (once-through 300)"),
    "other_renewable_exc_biofuel_TWh": (10.0, 10.0, 3600.0, "geothermal flash, tower (binary tower 3,600)"),
    "solar_TWh": (1.0, 0.0, 1.0, "photovoltaic, utility scale (panel washing)"),
    "wind_TWh": (0.0, 0.0, 0.0, "wind"),
}


def cpu_key(name: str) -> str:
    """The matching key of a CPU name (the same rule as wattledger.factors.cpu_power.cpu_key)."""
    s = name.lower()
    s = re.sub(r"\((r|tm)\)", " ", s)
    s = re.sub(r"@.*$", " ", s)
    s = re.sub(r"\b\d+-core\b", " ", s)
    s = re.sub(r"\b(intel|amd|cpu|processor)\b", " ", s)
    return re.sub(r"[^a-z0-9+]", "", s)


def cpu_table(source: Path, supplement: Path) -> str:
    ga_path = source / "green_algorithms/data/v3.0/TDP_cpu.csv"
    cc_path = source / "codecarbon/codecarbon/data/hardware/cpu_power.csv"
    rows: dict[str, dict] = {}
    with ga_path.open(encoding="utf-8") as f:
        lines = f.read().splitlines()[1:]  # a units row above the header
    for r in csv.DictReader(lines):
        model = r["model"].strip()
        if model == "Any":
            key = "default"
        else:
            key = cpu_key(model)
        if not key or key in rows:
            continue
        rows[key] = {
            "cpu_model": "default" if model == "Any" else model,
            "tdp_w": r["TDP"].strip(), "cores": r["n_cores"].strip(), "tdp_per_core_w": r["TDP_per_core"].strip(),
            "source": "Green Algorithms data/v3.0/TDP_cpu.csv (commit 30df2fe)"
            + (" default for an unknown CPU" if model == "Any" else ""),
            "url": r["source"].strip() or "https://github.com/GreenAlgorithms/green-algorithms-tool",
            "licence": "CC-BY-4.0", "vintage_year": "2025",  # the commit's year
        }
    with cc_path.open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            name, tdp = r["Name"].strip(), r["TDP"].strip()
            key = cpu_key(name)
            if not key or key in rows or not re.fullmatch(r"\d+(\.\d+)?", tdp):
                continue  # a TDP that is no number (the source has '27.29.5'): left out
            cores = re.search(r"(\d+)-core", name.lower())
            per_core = f"{float(tdp) / int(cores.group(1)):.4g}" if cores else ""
            rows[key] = {
                "cpu_model": name, "tdp_w": f"{float(tdp):g}", "cores": cores.group(1) if cores else "",
                "tdp_per_core_w": per_core, "source": "CodeCarbon codecarbon/data/hardware/cpu_power.csv (commit b05965e)",
                "url": "https://github.com/mlco2/codecarbon/blob/master/codecarbon/data/hardware/cpu_power.csv",
                "licence": "MIT", "vintage_year": "2026",  # the commit's year
            }
    with supplement.open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            row = rows.get(cpu_key(r["cpu_model"]))
            if row is None or row["tdp_per_core_w"]:
                continue  # not listed, or Green Algorithms gives the figure already
            row["cores"] = r["cores"]
            row["tdp_per_core_w"] = f"{float(row['tdp_w']) / int(r['cores']):.4g}"
            row["source"] += f"; cores: {r['source']} (hardware/cpu_cores.csv)"
            if float(r["tdp_w"]) != float(row["tdp_w"]):
                raise SystemExit(f"hardware/cpu_cores.csv: {r['cpu_model']} TDP {r['tdp_w']} W, CodeCarbon {row['tdp_w']} W")
    out = io.StringIO()
    cols = ["cpu_key", "cpu_model", "tdp_w", "cores", "tdp_per_core_w", "source", "url", "vintage_year", "licence"]
    w = csv.DictWriter(out, cols, lineterminator="\n")
    w.writeheader()
    for key in sorted(rows):
        w.writerow({"cpu_key": key, **rows[key]})
    return out.getvalue()


def water_table(source: Path, annual_intensity: Path) -> str:
    mix = json.loads((source / "codecarbon/codecarbon/data/private_infra/global_energy_mix.json").read_text(encoding="utf-8"))
    iso2 = {}
    with annual_intensity.open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if len(r["iso3"] or "") == 3 and re.fullmatch(r"[A-Z]{2}", r["region"]):
                iso2[r["iso3"]] = r["region"]
    rows, world = [], [0.0, 0.0, 0.0, 0.0]
    for iso3 in sorted(mix):
        c = mix[iso3]
        twh = sum(c.get(k) or 0.0 for k in TECHNOLOGY)
        if iso3 not in iso2 or twh <= 0:
            continue
        # gal/MWh x TWh: a weighted sum; / total TWh -> gal/MWh -> L/kWh (x 3.785 / 1000)
        sums = [sum((c.get(k) or 0.0) * t[i] for k, t in TECHNOLOGY.items()) for i in range(3)]
        world = [world[0] + twh] + [world[i + 1] + sums[i] for i in range(3)]
        litres = [s / twh * GAL_L / 1000.0 for s in sums]
        rows.append((iso2[iso3], c.get("country_name", iso3), iso3, int(c.get("year") or 0), *litres, twh))
    rows.append(("WORLD", "World (every country of the mix)", "", max(r[3] for r in rows),
                 *[s / world[0] * GAL_L / 1000.0 for s in world[1:]], world[0]))
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["region", "region_name", "iso3", "vintage_year", "water_l_per_kwh", "water_low_l_per_kwh",
                "water_high_l_per_kwh", "generation_twh", "basis", "source", "licence", "url"])
    src = ("generation mix: CodeCarbon global_energy_mix.json (commit b05965e; Our World in Data / Ember); "
           "water per source: " + MACKNICK)
    for r in sorted(rows):
        w.writerow([r[0], r[1], r[2], r[3], f"{r[4]:.6f}", f"{r[5]:.6f}", f"{r[6]:.6f}", f"{r[7]:.3f}",
                    "operational consumption, generation-weighted", src, "MIT (mix file); CC-BY-4.0 (OWID data)", MACKNICK_URL])
    return out.getvalue()


def main() -> None:
    root = Path(__file__).resolve().parent.parent
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--source", type=Path, default=root.parent / "shared" / "data")
    p.add_argument("--out", type=Path, default=root)
    a = p.parse_args()
    (a.out / "hardware").mkdir(parents=True, exist_ok=True)
    (a.out / "grid_intensity").mkdir(parents=True, exist_ok=True)
    (a.out / "hardware" / "cpu_power.csv").write_text(cpu_table(a.source, root / "hardware" / "cpu_cores.csv"),
                                                      encoding="utf-8")
    (a.out / "grid_intensity" / "water_intensity.csv").write_text(
        water_table(a.source, root / "grid_intensity" / "annual_intensity.csv"), encoding="utf-8")


if __name__ == "__main__":
    main()
