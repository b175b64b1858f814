"""Tests for the shipped reference tables (grid_intensity/, tariffs/, hardware/).

Offline and fast: they read only the committed files. The one test that rebuilds the tables
from the raw sources is skipped when the sources (``WATTLEDGER_SHARED_DATA`` or
``../shared/data`` next to the repository) are not present.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from conftest import REPO

GRID = REPO / "grid_intensity"
TARIFFS = REPO / "tariffs"
HARDWARE = REPO / "hardware"
BUILD_SCRIPT = REPO / "scripts" / "build_reference_data.py"

# Files written by scripts/build_reference_data.py (tariffs/tou/*.json are added at run time).
BUILT_FILES = [
    "grid_intensity/annual_intensity.csv",
    "grid_intensity/cloud_regions.csv",
    "grid_intensity/hourly_us_ba_2022.csv",
    "grid_intensity/hourly_series.csv",
    "tariffs/flat_prices.csv",
    "grid_intensity/zone_intensity_electricitymaps.csv",
    "tariffs/tou/index.csv",
]


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def header(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as fh:
        return next(csv.reader(fh))


def shared_data_dir() -> Path | None:
    if os.environ.get("WATTLEDGER_SHARED_DATA"):
        candidates = [Path(os.environ["WATTLEDGER_SHARED_DATA"])]
    else:
        candidates = [REPO.parent / "shared" / "data", Path("/work/shared/data")]
    for c in candidates:
        if (c / "owid_carbon_intensity").is_dir():
            return c
    return None


def load_build_module():
    spec = importlib.util.spec_from_file_location("build_reference_data", BUILD_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def annual():
    return read_rows(GRID / "annual_intensity.csv")


@pytest.fixture(scope="module")
def cloud():
    return read_rows(GRID / "cloud_regions.csv")


@pytest.fixture(scope="module")
def hourly():
    return read_rows(GRID / "hourly_us_ba_2022.csv")


@pytest.fixture(scope="module")
def series():
    return read_rows(GRID / "hourly_series.csv")


@pytest.fixture(scope="module")
def prices():
    return read_rows(TARIFFS / "flat_prices.csv")


@pytest.fixture(scope="module")
def gpus():
    return read_rows(HARDWARE / "gpu_power.csv")


@pytest.fixture(scope="module")
def pue():
    return read_rows(HARDWARE / "pue.csv")


@pytest.fixture(scope="module")
def tou_docs():
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted((TARIFFS / "tou").glob("*.json"))}


# --- schemas (the other modules code against these names) ------------------------------------


@pytest.mark.parametrize(
    "path, columns",
    [
        (GRID / "annual_intensity.csv",
         "region,region_name,iso3,vintage_year,intensity_kg_per_kwh,basis,source,licence,url"),
        (GRID / "cloud_regions.csv",
         "region,provider,provider_region,location,country,vintage_year,intensity_kg_per_kwh,basis,"
         "cfe_fraction,source,licence,url,note"),
        (GRID / "hourly_us_ba_2022.csv", "region,hour_start_utc,intensity_kg_per_kwh,is_filled"),
        (GRID / "hourly_series.csv",
         "region,eia_ba_code,year,hours,filled_hours,intensity_unit,basis,source,licence,url,fill_rule,"
         "timezone_note"),
        (TARIFFS / "flat_prices.csv",
         "tariff_id,region,sector,band,period,year,price_per_kwh,currency,tax_basis,source,licence,url"),
        (TARIFFS / "tou" / "index.csv",
         "tariff_id,utility,name,sector,start_date,periods,has_demand_charges,source,licence,url"),
        (HARDWARE / "gpu_power.csv",
         "gpu_model,aliases,vendor,form_factor,tdp_w,typical_power_w,memory_gb,source,url,vintage_year"),
        (HARDWARE / "pue.csv", "provider,scope,year,pue,source,url,note"),
    ],
)
def test_table_columns_start_with_contract(path, columns):
    expected = columns.split(",")
    assert header(path)[: len(expected)] == expected, path


def test_files_are_lf_utf8_and_compact():
    total = 0
    for path in list(GRID.glob("*.csv")) + list(TARIFFS.rglob("*.csv")) + list(TARIFFS.rglob("*.json")) + \
            list(HARDWARE.glob("*.csv")):
        data = path.read_bytes()
        data.decode("utf-8")
        assert b"\r" not in data, f"{path} has CR line endings"
        assert data.endswith(b"\n"), path
        total += len(data)
    # 8 MiB: the Electricity Maps zone table (issue 16) and the CPU and water tables (issue 17) added ~0.9 MB;
    # 11 MiB: issue 18's 2024 hourly intensity of 16 zones (1.3 MB, wide) and wholesale prices of 22 markets (~1.4 MB)
    assert total < 11 * 1024 * 1024, f"reference tables total {total} bytes"


# --- provenance on every row -------------------------------------------------------------------


@pytest.mark.parametrize(
    "fixture_name, year_col, unit_hint",
    [
        ("annual", "vintage_year", "intensity_kg_per_kwh"),
        ("cloud", "vintage_year", "intensity_kg_per_kwh"),
        ("prices", "year", "currency"),
        ("series", "year", "intensity_unit"),
        ("gpus", "vintage_year", "tdp_w"),
        ("pue", "year", "pue"),
    ],
)
def test_every_row_has_provenance(request, fixture_name, year_col, unit_hint):
    rows = request.getfixturevalue(fixture_name)
    assert rows
    for row in rows:
        for col in ("source", "licence", year_col, unit_hint):
            assert row[col].strip(), f"{fixture_name}: empty {col} in {row}"
        assert re.fullmatch(r"(19|20)\d\d", row[year_col]), row
        if "url" in row:
            assert row["url"].startswith("https://"), row


def test_hourly_rows_have_provenance_through_series(hourly, series):
    described = {s["region"] for s in series}
    assert {r["region"] for r in hourly} == described


def test_tou_files_have_provenance(tou_docs):
    assert len(tou_docs) == 7
    for tid, doc in tou_docs.items():
        assert doc["tariff_id"] == tid
        assert doc["licence"] == "CC-BY-4.0"
        assert doc["source"] and doc["url"].startswith("https://")
        assert doc["currency"] == "USD" and doc["energy_rate_unit"] == "USD/kWh"
        assert re.fullmatch(r"20\d\d-\d\d-\d\d", doc["start_date"])


# --- annual intensity ---------------------------------------------------------------------------


def test_annual_keys_unique_and_sane(annual):
    keys = Counter((r["region"], r["vintage_year"]) for r in annual)
    assert max(keys.values()) == 1
    for r in annual:
        value = float(r["intensity_kg_per_kwh"])
        # lifecycle intensity: > 0 (zeros are source artefacts and are dropped), < 1.6 (lignite ~1.2)
        assert 0.0 < value < 1.6, r
        assert 2000 <= int(r["vintage_year"]) <= 2024
        assert r["basis"] == "lifecycle" and r["licence"] == "CC-BY-4.0"
        assert re.fullmatch(r"[A-Z]{2}|WORLD|EU|OWID:[A-Z0-9_]+", r["region"]), r["region"]
        if re.fullmatch(r"[A-Z]{2}", r["region"]) and r["region"] not in ("EU", "XK"):
            assert re.fullmatch(r"[A-Z]{3}", r["iso3"]), r


def test_annual_expected_aggregates_and_values(annual):
    value = {(r["region"], int(r["vintage_year"])): float(r["intensity_kg_per_kwh"]) for r in annual}
    regions = {r for r, _ in value}
    for needed in ("WORLD", "EU", "US", "FR", "DE", "GB", "CN", "IN", "JP", "XK",
                   "OWID:AFRICA", "OWID:ASIA", "OWID:EUROPE", "OWID:NORTH_AMERICA", "OWID:HIGH_INCOME",
                   "OWID:EU_EMBER", "OWID:OECD_EMBER"):
        assert needed in regions, needed
    # shared/data/README.md figures (gCO2e/kWh): World 473 (2024) / 484 (2023); US 384 / 393; EU 213 / 238
    for key, expected in {("WORLD", 2024): 0.473, ("WORLD", 2023): 0.484, ("US", 2024): 0.384,
                          ("US", 2023): 0.393, ("EU", 2024): 0.213, ("EU", 2023): 0.238}.items():
        assert value[key] == pytest.approx(expected, rel=0.005), key
    assert value[("FR", 2024)] < 0.1 < value[("DE", 2024)]
    for year in range(2000, 2025):
        assert ("WORLD", year) in value and ("EU", year) in value


# --- cloud regions ------------------------------------------------------------------------------


def test_cloud_keys_unique_and_sane(cloud):
    keys = Counter((r["region"], r["vintage_year"], r["source"]) for r in cloud)
    assert max(keys.values()) == 1
    for r in cloud:
        assert r["region"] == f"{r['provider']}:{r['provider_region']}"
        assert r["provider"] in ("aws", "azure", "gcp")
        assert r["provider_region"] == r["provider_region"].lower() and " " not in r["provider_region"]
        assert re.fullmatch(r"[A-Z]{2}", r["country"]), r
        value = float(r["intensity_kg_per_kwh"])
        assert 0.0 <= value < 1.5, r
        if value == 0.0:
            assert "published value 0" in r["note"], r
        assert r["basis"] in ("lifecycle", "direct")
        if r["cfe_fraction"]:
            assert 0.0 <= float(r["cfe_fraction"]) <= 1.0
        assert r["licence"] == "Apache-2.0"


def test_cloud_coverage(cloud):
    regions = defaultdict(set)
    for r in cloud:
        regions[r["provider"]].add(r["region"])
    assert len(regions["aws"]) >= 24 and len(regions["azure"]) >= 23 and len(regions["gcp"]) >= 44
    google_years = {r["vintage_year"] for r in cloud if r["source"].startswith("Google")}
    assert google_years == {str(y) for y in range(2019, 2025)}
    gcp_ew1 = [r for r in cloud if r["region"] == "gcp:europe-west1"]
    assert len(gcp_ew1) == 7  # Google 2019..2024 + the CCF row


def test_azure_malformed_rows_are_repaired(cloud):
    by_region = {r["region"]: r for r in cloud if r["provider"] == "azure"}
    fi = by_region["azure:finlandcentral"]
    de = by_region["azure:germanywestcentral"]
    assert float(fi["intensity_kg_per_kwh"]) == pytest.approx(0.077)
    assert float(de["intensity_kg_per_kwh"]) == pytest.approx(0.402)
    for row in (fi, de):
        assert "REPAIRED" in row["note"] and "lost '0.' prefix" in row["note"]
    assert "stray comma" in fi["note"]
    assert float(by_region["azure:westeurope"]["intensity_kg_per_kwh"]) == pytest.approx(0.39)


def test_ccf_repair_rule_unit():
    mod = load_build_module()
    fields, value, repairs = mod.parse_ccf_factor(
        ["Finland Central", "Helsinki", "", "000077", "EEA", ""], 5, 3)
    assert value == pytest.approx(0.000077) and len(fields) == 5 and len(repairs) == 2
    _, value, repairs = mod.parse_ccf_factor(["West Europe", "Netherlands", "", "0.00039", "EEA"], 5, 3)
    assert value == pytest.approx(0.00039) and repairs == []
    with pytest.raises(mod.BuildError):
        mod.parse_ccf_factor(["X", "Y", "", "0.1", "EEA", "extra"], 5, 3)
    with pytest.raises(mod.BuildError):
        mod.parse_ccf_factor(["X", "Y", "", "07", "EEA"], 5, 3)  # 0.07 t/kWh is implausible


# --- hourly series ------------------------------------------------------------------------------

ZONES = {"US-CAL-CISO", "US-TEX-ERCO", "US-MIDA-PJM", "US-MIDW-MISO", "US-NY-NYIS", "US-NW-BPAT",
         "US-SW-AZPS", "US-SE-SOCO", "US-EIA-WAAT"}


def test_hourly_series_complete(hourly, series):
    by_region = defaultdict(list)
    for r in hourly:
        by_region[r["region"]].append(r)
    assert set(by_region) == ZONES
    meta = {s["region"]: s for s in series}
    for region, rows in by_region.items():
        assert len(rows) == 8760, region
        stamps = [datetime.strptime(r["hour_start_utc"], "%Y-%m-%dT%H:00:00Z") for r in rows]
        assert all(b - a == timedelta(hours=1) for a, b in zip(stamps, stamps[1:])), region
        assert rows[0]["hour_start_utc"] == meta[region]["first_hour_start_utc"]
        assert rows[-1]["hour_start_utc"] == meta[region]["last_hour_start_utc"]
        for r in rows:
            assert r["intensity_kg_per_kwh"] not in ("", "nan")
            assert 0.005 < float(r["intensity_kg_per_kwh"]) < 1.5, r
            assert r["is_filled"] in ("true", "false")
        n_filled = sum(r["is_filled"] == "true" for r in rows)
        assert n_filled == int(meta[region]["filled_hours"]), region
        assert int(meta[region]["hours"]) == 8760


def test_hourly_filled_counts_and_known_gaps(hourly):
    filled = Counter(r["region"] for r in hourly if r["is_filled"] == "true")
    assert filled == {"US-CAL-CISO": 3, "US-MIDW-MISO": 3, "US-MIDA-PJM": 28}
    pjm_gap = [r["hour_start_utc"] for r in hourly if r["region"] == "US-MIDA-PJM" and r["is_filled"] == "true"]
    assert pjm_gap[0] == "2022-03-13T06:00:00Z"  # 22 h outage at the Eastern DST change
    assert "2022-10-01T04:00:00Z" in pjm_gap  # incomplete report (~0.3 % of normal generation)


def test_hourly_annual_means_plausible(hourly):
    values = defaultdict(list)
    for r in hourly:
        values[r["region"]].append(float(r["intensity_kg_per_kwh"]))
    mean = {k: sum(v) / len(v) for k, v in values.items()}
    assert 0.20 < mean["US-CAL-CISO"] < 0.30
    assert 0.35 < mean["US-SE-SOCO"] < 0.50
    assert mean["US-NW-BPAT"] < 0.10
    assert mean["US-EIA-WAAT"] == pytest.approx(mean["US-NW-BPAT"], rel=0.05)


def test_hourly_series_alias_codes(series):
    codes = Counter(s["eia_ba_code"] for s in series)
    assert max(codes.values()) == 1
    assert {s["eia_ba_code"]: s["region"] for s in series}["CISO"] == "US-CAL-CISO"
    for s in series:
        assert s["basis"] == "lifecycle" and "kg" in s["intensity_unit"]
        assert "UTC" in s["timezone_note"] and s["fill_rule"]


# --- flat prices --------------------------------------------------------------------------------


def test_prices_keys_unique_and_sane(prices):
    ids = Counter(r["tariff_id"] for r in prices)
    assert max(ids.values()) == 1
    for r in prices:
        price = float(r["price_per_kwh"])
        assert 0.01 < price < 1.0, r
        assert r["currency"] in ("USD", "EUR")
        assert r["tax_basis"]
        if r["currency"] == "USD":
            assert re.fullmatch(r"US(-[A-Z]{2})?", r["region"]) and r["sector"] in ("industrial", "commercial")
            assert r["tariff_id"] == f"eia861:{r['region']}:{r['sector']}:{r['year']}"
            assert r["band"] == "" and r["period"] == r["year"]
        else:
            assert r["band"] in ("IA", "IB", "IC", "ID", "IE", "IF", "IG", "ALL")
            assert re.fullmatch(r"20\d\d-S[12]", r["period"]) and r["period"][:4] == r["year"]
            assert r["tariff_id"] == f"eurostat:{r['region']}:{r['band']}:{r['period']}"
            assert r["region"] not in ("EL", "UK")


def test_prices_expected_values(prices):
    by_id = {r["tariff_id"]: float(r["price_per_kwh"]) for r in prices}
    # shared/data/README.md: US industrial 8.13 c/kWh (2024), 8.04 (2023); commercial 12.75 (2024)
    assert by_id["eia861:US:industrial:2024"] == pytest.approx(0.0813, abs=0.0001)
    assert by_id["eia861:US:industrial:2023"] == pytest.approx(0.0804, abs=0.0001)
    assert by_id["eia861:US:commercial:2024"] == pytest.approx(0.1275, abs=0.0001)
    assert len([k for k in by_id if k.startswith("eia861:") and k.endswith(":industrial:2024")]) == 52
    # Eurostat EU-27 2024-S2 by band: IC 0.190, ID 0.168, IE 0.143, IF 0.125, IG 0.118, all 0.179
    for band, expected in {"IC": 0.190, "ID": 0.168, "IE": 0.143, "IF": 0.125, "IG": 0.118, "ALL": 0.179}.items():
        assert by_id[f"eurostat:EU:{band}:2024-S2"] == pytest.approx(expected, abs=0.001), band
    assert "eurostat:GR:IC:2024-S2" in by_id and "eurostat:GB:IC:2019-S2" in by_id
    assert "eurostat:DE:IC:2007-S1" in by_id


# --- TOU tariffs --------------------------------------------------------------------------------


def test_tou_schedules_valid(tou_docs):
    for tid, doc in tou_docs.items():
        n = len(doc["energyratestructure"])
        assert n >= 1
        for p_index, period in enumerate(doc["energyratestructure"]):
            assert period["period"] == p_index
            for tier in period["tiers"]:
                assert 0.0 < tier["price"] < 1.0, (tid, tier)
                assert tier["price"] == pytest.approx(tier["rate"] + tier["adj"])
        for key in ("energyweekdayschedule", "energyweekendschedule"):
            matrix = doc[key]
            assert len(matrix) == 12 and all(len(row) == 24 for row in matrix), (tid, key)
            assert all(isinstance(v, int) and 0 <= v < n for row in matrix for v in row), (tid, key)
        if "demandratestructure" in doc:
            m = len(doc["demandratestructure"])
            for key in ("demandweekdayschedule", "demandweekendschedule"):
                assert all(0 <= v < m for row in doc[key] for v in row)


def test_tou_index_matches_files(tou_docs):
    index = read_rows(TARIFFS / "tou" / "index.csv")
    assert {r["tariff_id"] for r in index} == set(tou_docs)
    for r in index:
        doc = tou_docs[r["tariff_id"]]
        assert int(r["periods"]) == len(doc["energyratestructure"])
        assert r["has_demand_charges"] in ("true", "false")
        assert r["tariff_id"] == r["tariff_id"].lower()


def test_tou_copied_urdb_labels_are_not_reused(tou_docs):
    urls = Counter(doc["url"] for doc in tou_docs.values())
    assert max(urls.values()) == 1
    assert tou_docs["pge-bev-2-s"]["url"].endswith("6757525f259975f54b0eccbf")


# --- hardware -----------------------------------------------------------------------------------


def resolve_gpu(gpus, name: str) -> str | None:
    key = name.casefold().strip()
    for g in gpus:
        names = [g["gpu_model"]] + [a.strip() for a in g["aliases"].split(";") if a.strip()]
        if key in (n.casefold() for n in names):
            return g["gpu_model"]
    return None


def test_gpu_aliases_unique_and_values_sane(gpus):
    owner: dict[str, str] = {}
    for g in gpus:
        for name in [g["gpu_model"]] + [a.strip() for a in g["aliases"].split(";") if a.strip()]:
            key = name.casefold()
            assert owner.setdefault(key, g["gpu_model"]) == g["gpu_model"], f"{name} maps to two models"
        tdp = float(g["tdp_w"])
        assert 20 <= tdp <= 1500, g
        if g["typical_power_w"]:
            assert 0 < float(g["typical_power_w"]) <= tdp, g
        if g["memory_gb"]:
            assert 1 <= float(g["memory_gb"]) <= 300, g
        assert g["vendor"] in ("NVIDIA", "AMD", "Google")


@pytest.mark.parametrize(
    "name, model",
    [
        ("NVIDIA H100 80GB HBM3", "H100-SXM"), ("NVIDIA A100-SXM4-80GB", "A100-SXM4-80GB"),
        ("NVIDIA A100-SXM4-40GB", "A100-SXM4-40GB"), ("NVIDIA H200", "H200-SXM"), ("Tesla T4", "T4"),
        ("Tesla V100-SXM2-32GB", "V100-SXM2-32GB"), ("tesla v100-pcie-16gb", "V100-PCIE-16GB"),
        ("NVIDIA A100 80GB PCIe", "A100-PCIE-80GB"), ("A100", "A100-SXM4-80GB"), ("a100-80gb", "A100-SXM4-80GB"),
        ("nvidia_a100_80gb", "A100-SXM4-80GB"), ("H100 SXM", "H100-SXM"), ("NVIDIA H100 PCIe", "H100-PCIE"),
        ("NVIDIA H100 NVL", "H100-NVL"), ("NVIDIA L4", "L4"), ("NVIDIA L40S", "L40S"), ("NVIDIA A10G", "A10G"),
        ("NVIDIA B200", "B200"), ("AMD Instinct MI300X", "MI300X"), ("TPU v4", "TPU-v4"), ("tpuv3", "TPU-v3"),
    ],
)
def test_gpu_names_resolve(gpus, name, model):
    assert resolve_gpu(gpus, name) == model


def test_gpu_datasheet_values(gpus):
    tdp = {g["gpu_model"]: float(g["tdp_w"]) for g in gpus}
    assert tdp["A100-SXM4-80GB"] == 400 and tdp["A100-PCIE-80GB"] == 300 and tdp["A100-PCIE-40GB"] == 250
    assert tdp["H100-SXM"] == 700 and tdp["H200-SXM"] == 700 and tdp["B200"] == 1000
    assert tdp["V100-SXM2-32GB"] == 300 and tdp["V100-PCIE-16GB"] == 250 and tdp["T4"] == 70
    assert tdp["MI300X"] == 750


def test_pue_table(pue):
    keys = Counter((r["provider"], r["scope"], r["year"]) for r in pue)
    assert max(keys.values()) == 1
    for r in pue:
        assert 1.0 <= float(r["pue"]) <= 2.5, r
    value = {(r["provider"], r["scope"]): float(r["pue"]) for r in pue if r["provider"] == "default"}
    assert value[("default", "generic-hyperscale")] == 1.12
    assert value[("default", "unknown")] == 1.56
    google = {r["year"]: float(r["pue"]) for r in pue if r["provider"] == "google"}
    assert google == {"2023": 1.10, "2024": 1.09}
    assert any("secondary" in r["note"] for r in pue if r["provider"] == "microsoft")
    # issue 16: a cloud's default is the latest fleet figure of its company in this table
    for cloud, company, scope in (("aws", "aws", "global-fleet"), ("gcp", "google", "fleet-ttm"), ("azure", "microsoft", "fleet")):
        latest = max((r for r in pue if (r["provider"], r["scope"]) == (company, scope)), key=lambda r: r["year"])
        assert value[("default", cloud)] == float(latest["pue"]), cloud


def test_extrapolated_embodied_figure_says_so():
    """Issue 16: the A100 40 GB embodied figure is the 80 GB one, and its source must say so."""
    from wattledger.factors import FactorLibrary, explain

    r = explain(FactorLibrary(), region="FR", year=2024, gpu_model="A100-SXM4-40GB")
    assert r["embodied_source"].startswith("extrapolated from A100-SXM4-80GB")


def test_tpu_typical_power_is_central_and_tdp_the_high_bound(gpus):
    """Issue 16: TPU v3's measured mean (283 W) was both its central value and its upper bound."""
    from wattledger.factors import FactorLibrary, explain

    row = {g["gpu_model"]: (float(g["tdp_w"]), float(g["typical_power_w"] or "nan")) for g in gpus}
    assert row["TPU-v3"] == (450.0, 283.0) and row["TPU-v4"] == (192.0, 170.0)
    r = explain(FactorLibrary(), region="FR", year=2024, gpu_model="TPU v3")
    assert (r["power_w"], r["power_high_w"], r["power_basis"]) == (283.0, 450.0, "tdp")
    assert "typical power 283 W (central), TDP 450 W (high bound)" in r["power_source"]


# --- no Electricity Maps (ODbL) data mixed into these tables -------------------------------------


def test_no_odbl_in_main_tables(annual, cloud, series, prices):
    for rows in (annual, cloud, series, prices):
        for r in rows:
            assert "ODbL" not in r["licence"]
            assert "electricitymaps_hourly" not in r["source"] and "co2js" not in r["source"]


def test_zone_table_is_odbl_with_its_attribution_and_region_grid_points_at_known_zones():
    rows = list(csv.DictReader(open(GRID / "zone_intensity_electricitymaps.csv", encoding="utf-8")))
    assert len(rows) == 352 * 5 and {r["vintage_year"] for r in rows} == {"2021", "2022", "2023", "2024", "2025"}
    assert all(r["licence"] == "ODbL-1.0" and "Electricity Maps" in r["source"] and r["basis"] == "lifecycle" for r in rows)
    readme = (GRID / "README.md").read_text(encoding="utf-8")
    assert "Open Database License (ODbL) 1.0" in readme and "Contains data from Electricity Maps" in readme
    zones = {r["zone"] for r in rows}
    grid = list(csv.DictReader(open(GRID / "region_grid.csv", encoding="utf-8")))
    assert all(r["grid_zone"] in zones and r["source"] and r["url"].startswith("https://") for r in grid)
    assert {"aws:us-east-1", "azure:westeurope", "azure:brazilsouth", "gcp:us-central1", "US-TX"} <= {r["region"] for r in grid}


# --- reproducibility ----------------------------------------------------------------------------


@pytest.mark.skipif(shared_data_dir() is None, reason="raw sources (../shared/data) not available")
def test_rebuild_reproduces_committed_files(tmp_path):
    src = shared_data_dir()
    result = subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), "--source", str(src), "--out", str(tmp_path), "--quiet"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    built_tou = sorted(p.name for p in (tmp_path / "tariffs" / "tou").glob("*.json"))
    committed_tou = sorted(p.name for p in (TARIFFS / "tou").glob("*.json"))
    assert built_tou == committed_tou
    for rel in BUILT_FILES + [f"tariffs/tou/{n}" for n in built_tou]:
        assert (tmp_path / rel).read_bytes() == (REPO / rel).read_bytes(), f"{rel} differs from a rebuild"
