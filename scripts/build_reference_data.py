#!/usr/bin/env python3
"""Rebuild wattledger's reference tables from the raw, read-only sources.

Usage (from the repository root)::

    python scripts/build_reference_data.py [--source ../shared/data] [--out .]

Writes (all deterministic: sorted rows, fixed float formatting, ``\\n`` line ends):

- ``grid_intensity/annual_intensity.csv``  Ember via OWID, lifecycle, per country/aggregate and year
- ``grid_intensity/cloud_regions.csv``     AWS/Azure/GCP region factors (CCF + Google region-carbon-info)
- ``grid_intensity/hourly_us_ba_2022.csv`` EIA-930-derived hourly series for 9 US balancing authorities
- ``grid_intensity/hourly_series.csv``     one provenance row per hourly series
- ``grid_intensity/zone_intensity_electricitymaps.csv`` Electricity Maps zones x 2021-2025 (ODbL, own file;
  scripts/build_zone_intensity.py)
- ``tariffs/flat_prices.csv``              EIA-861 state prices, Eurostat nrg_pc_205 non-household prices
- ``tariffs/tou/<tariff_id>.json``          normalised OpenEI URDB time-of-use tariffs
- ``tariffs/tou/index.csv``                one row per TOU tariff

The hand-curated tables ``hardware/gpu_power.csv`` and ``hardware/pue.csv`` are *not* written
here; they are validated (columns, citations, unique aliases) and the build fails if they are
inconsistent.

Standard library only (Python 3.11). Any surprise in a source file (a new column, a gap in a
series, an unknown region) fails the build with a message rather than being silently skipped.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = Path("..") / "shared" / "data"  # relative to the repository root


class BuildError(RuntimeError):
    """A source file does not look the way this script expects."""


# ---------------------------------------------------------------------------------------------
# Output helpers
# ---------------------------------------------------------------------------------------------


def fmt_float(value: float, decimals: int = 6) -> str:
    """Fixed-point text for a float (deterministic; ``-0.000000`` is written as ``0.000000``)."""
    text = f"{value:.{decimals}f}"
    if text.startswith("-") and float(text) == 0.0:
        text = text[1:]
    return text


def fmt_bool(value: bool) -> str:
    return "true" if value else "false"


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    for row in rows:
        if len(row) != len(header):
            raise BuildError(f"row width {len(row)} != header width {len(header)}: {row}")
        writer.writerow(row)
    return buf.getvalue()


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)


def read_csv_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return [row for row in csv.reader(fh)]


def read_source_commit(folder: Path) -> str:
    for line in (folder / "SOURCE.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("commit:"):
            return line.split(":", 1)[1].strip().split()[0]
    raise BuildError(f"no commit line in {folder / 'SOURCE.txt'}")


def upper_snake(text: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", text.upper()).strip("_")


# ---------------------------------------------------------------------------------------------
# 1. Annual intensity (Ember via Our World in Data)
# ---------------------------------------------------------------------------------------------

OWID_FILE = "owid_carbon_intensity/carbon-intensity-electricity.csv"
OWID_VALUE_COLUMN = "Carbon intensity of electricity - gCO2/kWh"
# Attribution as given for `carbon_intensity_elec` in owid/energy-data's owid-energy-codebook.csv
# (short form of the codebook's "Ember - Yearly Electricity Data (2025); Ember - Yearly Electricity
# Data Europe (2025); Energy Institute - Statistical Review of World Energy (2024)")
OWID_SOURCE = "Ember (2025); Energy Institute - Statistical Review of World Energy (2024) - via Our World in Data"
OWID_URL = "https://ourworldindata.org/grapher/carbon-intensity-electricity"

# ISO 3166-1 alpha-3 -> alpha-2 for every code that occurs in the OWID file (stdlib has no
# country table). OWID_KOS (Kosovo) -> XK, the user-assigned code used by the EU and Electricity Maps.
ISO3_TO_ISO2 = {
    "ABW": "AW", "AFG": "AF", "AGO": "AO", "ALB": "AL", "ARE": "AE", "ARG": "AR", "ARM": "AM",
    "ASM": "AS", "ATG": "AG", "AUS": "AU", "AUT": "AT", "AZE": "AZ", "BDI": "BI", "BEL": "BE",
    "BEN": "BJ", "BFA": "BF", "BGD": "BD", "BGR": "BG", "BHR": "BH", "BHS": "BS", "BIH": "BA",
    "BLR": "BY", "BLZ": "BZ", "BMU": "BM", "BOL": "BO", "BRA": "BR", "BRB": "BB", "BRN": "BN",
    "BTN": "BT", "BWA": "BW", "CAF": "CF", "CAN": "CA", "CHE": "CH", "CHL": "CL", "CHN": "CN",
    "CIV": "CI", "CMR": "CM", "COD": "CD", "COG": "CG", "COK": "CK", "COL": "CO", "COM": "KM",
    "CPV": "CV", "CRI": "CR", "CUB": "CU", "CYM": "KY", "CYP": "CY", "CZE": "CZ", "DEU": "DE",
    "DJI": "DJ", "DMA": "DM", "DNK": "DK", "DOM": "DO", "DZA": "DZ", "ECU": "EC", "EGY": "EG",
    "ERI": "ER", "ESH": "EH", "ESP": "ES", "EST": "EE", "ETH": "ET", "FIN": "FI", "FJI": "FJ",
    "FLK": "FK", "FRA": "FR", "FRO": "FO", "GAB": "GA", "GBR": "GB", "GEO": "GE", "GHA": "GH",
    "GIB": "GI", "GIN": "GN", "GLP": "GP", "GMB": "GM", "GNB": "GW", "GNQ": "GQ", "GRC": "GR",
    "GRD": "GD", "GRL": "GL", "GTM": "GT", "GUF": "GF", "GUM": "GU", "GUY": "GY", "HKG": "HK",
    "HND": "HN", "HRV": "HR", "HTI": "HT", "HUN": "HU", "IDN": "ID", "IND": "IN", "IRL": "IE",
    "IRN": "IR", "IRQ": "IQ", "ISL": "IS", "ISR": "IL", "ITA": "IT", "JAM": "JM", "JOR": "JO",
    "JPN": "JP", "KAZ": "KZ", "KEN": "KE", "KGZ": "KG", "KHM": "KH", "KIR": "KI", "KNA": "KN",
    "KOR": "KR", "KWT": "KW", "LAO": "LA", "LBN": "LB", "LBR": "LR", "LBY": "LY", "LCA": "LC",
    "LKA": "LK", "LSO": "LS", "LTU": "LT", "LUX": "LU", "LVA": "LV", "MAC": "MO", "MAR": "MA",
    "MDA": "MD", "MDG": "MG", "MDV": "MV", "MEX": "MX", "MKD": "MK", "MLI": "ML", "MLT": "MT",
    "MMR": "MM", "MNE": "ME", "MNG": "MN", "MOZ": "MZ", "MRT": "MR", "MSR": "MS", "MTQ": "MQ",
    "MUS": "MU", "MWI": "MW", "MYS": "MY", "NAM": "NA", "NCL": "NC", "NER": "NE", "NGA": "NG",
    "NIC": "NI", "NLD": "NL", "NOR": "NO", "NPL": "NP", "NRU": "NR", "NZL": "NZ", "OMN": "OM",
    "PAK": "PK", "PAN": "PA", "PER": "PE", "PHL": "PH", "PNG": "PG", "POL": "PL", "PRI": "PR",
    "PRK": "KP", "PRT": "PT", "PRY": "PY", "PSE": "PS", "PYF": "PF", "QAT": "QA", "REU": "RE",
    "ROU": "RO", "RUS": "RU", "RWA": "RW", "SAU": "SA", "SDN": "SD", "SEN": "SN", "SGP": "SG",
    "SHN": "SH", "SLB": "SB", "SLE": "SL", "SLV": "SV", "SOM": "SO", "SPM": "PM", "SRB": "RS",
    "SSD": "SS", "STP": "ST", "SUR": "SR", "SVK": "SK", "SVN": "SI", "SWE": "SE", "SWZ": "SZ",
    "SYC": "SC", "SYR": "SY", "TCA": "TC", "TCD": "TD", "TGO": "TG", "THA": "TH", "TJK": "TJ",
    "TKM": "TM", "TLS": "TL", "TON": "TO", "TTO": "TT", "TUN": "TN", "TUR": "TR", "TWN": "TW",
    "TZA": "TZ", "UGA": "UG", "UKR": "UA", "URY": "UY", "USA": "US", "UZB": "UZ", "VCT": "VC",
    "VEN": "VE", "VGB": "VG", "VIR": "VI", "VNM": "VN", "VUT": "VU", "WSM": "WS", "YEM": "YE",
    "ZAF": "ZA", "ZMB": "ZM", "ZWE": "ZW",
}
OWID_SPECIAL_CODES = {"OWID_WRL": "WORLD", "OWID_KOS": "XK"}
# Entities without a code: fixed ids first, then `OWID:` + upper snake case (word "countries" dropped).
OWID_SPECIAL_ENTITIES = {"European Union (27)": "EU"}
# OWID publishes the EU-27 twice: "European Union (27)" (to 2023) and "EU (Ember)" (to 2024). The two
# series are identical where both exist (checked below); `EU` takes its missing years from "EU (Ember)".
EU_FILL_ENTITY = "EU (Ember)"


def owid_aggregate_id(entity: str) -> str:
    if entity in OWID_SPECIAL_ENTITIES:
        return OWID_SPECIAL_ENTITIES[entity]
    words = re.sub(r"\bcountries\b", "", entity, flags=re.IGNORECASE)
    return "OWID:" + upper_snake(words)


def build_annual_intensity(src: Path) -> tuple[str, dict]:
    rows = read_csv_rows(src / OWID_FILE)
    header = rows[0]
    if header != ["Entity", "Code", "Year", OWID_VALUE_COLUMN]:
        raise BuildError(f"{OWID_FILE}: unexpected header {header}")

    series: dict[str, dict[int, float]] = {}
    meta: dict[str, tuple[str, str]] = {}  # region -> (region_name, iso3)
    dropped_zero: list[str] = []
    by_entity: dict[str, dict[int, float]] = {}
    for entity, code, year_text, value_text in rows[1:]:
        year = int(year_text)
        value = float(value_text)
        by_entity.setdefault(entity, {})[year] = value
        if code in OWID_SPECIAL_CODES:
            region, iso3 = OWID_SPECIAL_CODES[code], ""
        elif code:
            if code not in ISO3_TO_ISO2:
                raise BuildError(f"{OWID_FILE}: ISO3 code {code!r} ({entity}) missing from ISO3_TO_ISO2")
            region, iso3 = ISO3_TO_ISO2[code], code
        else:
            region, iso3 = owid_aggregate_id(entity), ""
        if region in meta and meta[region][0] != entity:
            raise BuildError(f"region id {region} used for both {meta[region][0]!r} and {entity!r}")
        meta[region] = (entity, iso3)
        if value <= 0.0:
            # A lifecycle intensity of exactly 0 is physically impossible (hydro alone is ~24 g/kWh);
            # these rows are artefacts of tiny generation totals and are left out (see README).
            dropped_zero.append(f"{entity} {year}")
            continue
        if year in series.setdefault(region, {}):
            raise BuildError(f"duplicate ({region}, {year}) in {OWID_FILE}")
        series[region][year] = value

    notes: dict[tuple[str, int], str] = {}
    eu_fill = by_entity.get(EU_FILL_ENTITY, {})
    eu = series.get("EU", {})
    for year, value in eu_fill.items():
        if year in eu:
            if abs(eu[year] - value) > 1e-6 * max(1.0, value):
                raise BuildError(f"EU-27 series differ in {year}: {eu[year]} vs {EU_FILL_ENTITY} {value}")
        elif value > 0:
            eu[year] = value
            notes[("EU", year)] = (
                f"value from OWID entity '{EU_FILL_ENTITY}' (identical to 'European Union (27)' "
                "in every year both are published)"
            )

    out_rows = []
    for region in sorted(series):
        name, iso3 = meta[region]
        for year in sorted(series[region]):
            out_rows.append([
                region, name, iso3, str(year), fmt_float(series[region][year] / 1000.0),
                "lifecycle", OWID_SOURCE, "CC-BY-4.0", OWID_URL, notes.get((region, year), ""),
            ])
    header_out = ["region", "region_name", "iso3", "vintage_year", "intensity_kg_per_kwh",
                  "basis", "source", "licence", "url", "note"]
    stats = {
        "rows": len(out_rows),
        "regions": len(series),
        "countries": sum(1 for r in series if ":" not in r and r not in ("WORLD", "EU")),
        "years": f"{min(min(v) for v in series.values())}-{max(max(v) for v in series.values())}",
        "dropped_zero": dropped_zero,
    }
    return csv_text(header_out, out_rows), stats


# ---------------------------------------------------------------------------------------------
# 2. Cloud regions (Cloud Carbon Footprint + Google region-carbon-info)
# ---------------------------------------------------------------------------------------------

CCF_DIR = "cloud_carbon_footprint"
CCF_URL = "https://github.com/cloud-carbon-footprint/ccf-coefficients/tree/main/data"
CCF_METHOD_URL = "https://www.cloudcarbonfootprint.org/docs/methodology"
GOOGLE_DIR = "google_cloud_region_carbon"
GOOGLE_URL = "https://cloud.google.com/sustainability/region-carbon"
GOOGLE_SOURCE = "Google Cloud region carbon data (GoogleCloudPlatform/region-carbon-info)"

# CCF's data/README.md states no vintage. CCF's methodology page (Appendix "Grid emissions
# factors", the version listing these exact values) names: EPA eGRID2019 NERC-region rates for US
# regions; carbonfootprint.com "2020_07 emissions factors sources for 2020 electricity v1.3";
# EEA CO2-emission-intensity indicator and EMA Singapore with no year (described as "averages over a
# given year that is pre-2020"). GCP values are Google's published 2019 region values.
CCF_VINTAGE = {
    "EPA": (2019, "direct", "CCF: EPA eGRID2019 NERC-region CO2e output rate (year per CCF methodology)"),
    "carbonfootprint.com": (2020, "direct",
                            "CCF: carbonfootprint.com country factors, 2020 edition v1.3 (year per CCF methodology)"),
    "EEA": (2019, "direct", "CCF: EEA CO2 emission intensity indicator; CCF states no data year, only "
                            "'an average over a given year that is pre-2020' - 2019 assumed"),
    "EMA Singapore": (2019, "direct", "CCF: EMA Singapore grid emission factor; CCF states no data year, "
                                      "only 'pre-2020' - 2019 assumed"),
    "Google": (2019, "lifecycle", "CCF: Google's published GCP region factor"),
}

AWS_COUNTRY = {
    "us-east-1": "US", "us-east-2": "US", "us-west-1": "US", "us-west-2": "US", "us-gov-east-1": "US",
    "us-gov-west-1": "US", "af-south-1": "ZA", "ap-east-1": "HK", "ap-south-1": "IN",
    "ap-northeast-1": "JP", "ap-northeast-2": "KR", "ap-northeast-3": "JP", "ap-southeast-1": "SG",
    "ap-southeast-2": "AU", "ca-central-1": "CA", "cn-north-1": "CN", "cn-northwest-1": "CN",
    "eu-central-1": "DE", "eu-west-1": "IE", "eu-west-2": "GB", "eu-south-1": "IT", "eu-west-3": "FR",
    "eu-north-1": "SE", "me-south-1": "BH", "sa-east-1": "BR",
}
AZURE_COUNTRY = {
    "centralus": "US", "eastus": "US", "eastus2": "US", "eastus3": "US", "northcentralus": "US",
    "southcentralus": "US", "westcentralus": "US", "westus": "US", "westus2": "US", "westus3": "US",
    "eastasia": "HK", "southeastasia": "SG", "northeurope": "IE", "westeurope": "NL",
    "centralindia": "IN", "southindia": "IN", "westindia": "IN", "uksouth": "GB", "ukwest": "GB",
    "francecentral": "FR", "finlandcentral": "FI", "germanywestcentral": "DE", "belgiumcentral": "BE",
    "swedencentral": "SE",
}
GCP_COUNTRY = {
    "africa-south1": "ZA", "asia-east1": "TW", "asia-east2": "HK", "asia-northeast1": "JP",
    "asia-northeast2": "JP", "asia-northeast3": "KR", "asia-south1": "IN", "asia-south2": "IN",
    "asia-southeast1": "SG", "asia-southeast2": "ID", "australia-southeast1": "AU",
    "australia-southeast2": "AU", "europe-central2": "PL", "europe-north1": "FI",
    "europe-north2": "SE", "europe-southwest1": "ES", "europe-west1": "BE", "europe-west2": "GB",
    "europe-west3": "DE", "europe-west4": "NL", "europe-west6": "CH", "europe-west8": "IT",
    "europe-west9": "FR", "europe-west10": "DE", "europe-west12": "IT", "me-central1": "QA",
    "me-central2": "SA", "me-west1": "IL", "northamerica-northeast1": "CA",
    "northamerica-northeast2": "CA", "northamerica-south1": "MX", "southamerica-east1": "BR",
    "southamerica-west1": "CL", "us-central1": "US", "us-central2": "US", "us-east1": "US",
    "us-east2": "US", "us-east4": "US", "us-east5": "US", "us-south1": "US", "us-west1": "US",
    "us-west2": "US", "us-west3": "US", "us-west4": "US",
}
COUNTRY_BY_PROVIDER = {"aws": AWS_COUNTRY, "azure": AZURE_COUNTRY, "gcp": GCP_COUNTRY}

# Plausible range for a grid factor in metric t CO2e/kWh (1 g .. 1500 g per kWh); used only to
# accept a repaired value (see parse_ccf_factor).
CCF_REPAIR_RANGE = (1e-6, 1.5e-3)


def parse_ccf_factor(fields: list[str], width: int, factor_col: int) -> tuple[list[str], float, list[str]]:
    """Parse one CCF grid-factor row, applying the two documented repair rules.

    Rule 1 (extra comma): fields beyond the header width that are empty are dropped.
    Rule 2 (lost "0."): a factor written as digits with a leading zero and no decimal point
    (``000077``) has lost its ``0.`` prefix and is read as ``0.000077`` t/kWh, provided the result
    lies in CCF_REPAIR_RANGE. Anything else malformed fails the build.
    """
    repairs = []
    fields = [f.strip() for f in fields]
    while len(fields) > width and fields[-1] == "":
        fields = fields[:-1]
        repairs.append("dropped an empty trailing field (stray comma)")
    if len(fields) != width:
        raise BuildError(f"CCF row has {len(fields)} fields, expected {width}: {fields}")
    raw = fields[factor_col]
    if re.fullmatch(r"0\d+", raw):
        value = float("0." + raw)
        if not (CCF_REPAIR_RANGE[0] <= value <= CCF_REPAIR_RANGE[1]):
            raise BuildError(f"CCF factor {raw!r} cannot be repaired plausibly: {fields}")
        repairs.append(f"factor '{raw}' read as '0.{raw}' t/kWh (lost '0.' prefix)")
    else:
        try:
            value = float(raw)
        except ValueError as exc:
            raise BuildError(f"CCF factor {raw!r} is not a number: {fields}") from exc
    return fields, value, repairs


def azure_region_id(display_name: str) -> str:
    return re.sub(r"\s+", "", display_name).lower()


def build_cloud_regions(src: Path) -> tuple[str, dict]:
    out: list[list[str]] = []
    repaired: list[str] = []
    ccf_commit = read_source_commit(src / CCF_DIR)
    ccf_source_tpl = "Cloud Carbon Footprint ccf-coefficients data/grid-emissions-factors-{p}.csv ({c})"

    google: dict[int, dict[str, tuple[str, float, str]]] = {}
    for path in sorted((src / GOOGLE_DIR / "data" / "yearly").glob("*.csv")):
        year = int(path.stem)
        rows = read_csv_rows(path)
        hdr = rows[0]
        if hdr[:3] != ["Google Cloud Region", "Location", "Google CFE"] or "gCO2eq / kWh" not in hdr[3]:
            raise BuildError(f"{path}: unexpected header {hdr}")
        basis = "lifecycle" if hdr[3].startswith("Lifecycle") else "direct"
        year_rows = {}
        for row in rows[1:]:
            if not any(cell.strip() for cell in row):
                continue
            region, location, cfe, ci = (c.strip() for c in row[:4])
            year_rows[region] = (location, float(ci), cfe, basis)
        google[year] = year_rows

    def country(provider: str, region: str) -> str:
        table = COUNTRY_BY_PROVIDER[provider]
        if region not in table:
            raise BuildError(f"no country mapping for {provider}:{region}; add it to the script")
        return table[region]

    for provider in ("aws", "azure", "gcp"):
        fname = f"grid-emissions-factors-{provider}.csv"
        rows = read_csv_rows(src / CCF_DIR / "data" / fname)
        header = [h.strip() for h in rows[0]]
        factor_col = header.index("CO2e (metric ton/kWh)")
        source_col = header.index("Source")
        loc_col = header.index("Country") if "Country" in header else header.index("Location")
        for raw in rows[1:]:
            if not any(cell.strip() for cell in raw):
                continue
            fields, value_t, repairs = parse_ccf_factor(raw, len(header), factor_col)
            ccf_src = fields[source_col]
            if ccf_src not in CCF_VINTAGE:
                raise BuildError(f"{fname}: unknown CCF source {ccf_src!r}")
            vintage, basis, vnote = CCF_VINTAGE[ccf_src]
            display = fields[0]
            provider_region = azure_region_id(display) if provider == "azure" else display.lower()
            notes = [vnote]
            if provider == "azure":
                notes.append(f"Azure display name '{display}'")
            if provider == "gcp":
                g = google.get(2019, {}).get(provider_region)
                if g is not None and abs(g[1] - value_t * 1e6) < 0.5:
                    notes.append("equals Google's published 2019 value")
                elif g is not None:
                    notes.append(f"differs from Google's published 2019 value ({g[1]:g} g/kWh); "
                                 "CCF gives no origin - 2019 assumed")
                else:
                    notes.append("region absent from Google's 2019 file; CCF gives no origin - 2019 assumed")
            if repairs:
                notes.append("REPAIRED source row: " + "; ".join(repairs))
                repaired.append(f"azure:{provider_region} -> {fmt_float(value_t * 1000.0)} kg/kWh"
                                if provider == "azure" else f"{provider}:{provider_region}")
            nerc = fields[header.index("NERC Region")] if "NERC Region" in header else ""
            if nerc:
                notes.append(f"NERC region {nerc}")
            out.append([
                f"{provider}:{provider_region}", provider, provider_region, fields[loc_col],
                country(provider, provider_region), str(vintage), fmt_float(value_t * 1000.0), basis, "",
                ccf_source_tpl.format(p=provider, c=f"upstream: {ccf_src}; commit {ccf_commit[:12]}"),
                "Apache-2.0", CCF_URL, "; ".join(notes), display,
            ])

    for year in sorted(google):
        for region, (location, ci_g, cfe, basis) in sorted(google[year].items()):
            notes = []
            if basis == "direct":
                notes.append("Google: grid (operational) intensity, Electricity Maps-derived")
            else:
                notes.append("Google: lifecycle grid intensity, Electricity Maps-derived")
            if ci_g == 0.0:
                notes.append("published value 0 (rounded; hydro-dominated grid, direct basis)")
            if cfe == "":
                notes.append("Google CFE not published for this year")
            out.append([
                f"gcp:{region}", "gcp", region, location, country("gcp", region), str(year),
                fmt_float(ci_g / 1000.0), basis, fmt_float(float(cfe), 2) if cfe else "",
                f"{GOOGLE_SOURCE} data/yearly/{year}.csv", "Apache-2.0", GOOGLE_URL, "; ".join(notes), "",
            ])

    out.sort(key=lambda r: (r[0], int(r[5]), r[9]))
    keys = [(r[0], r[5], r[9]) for r in out]
    if len(keys) != len(set(keys)):
        raise BuildError("cloud_regions: duplicate (region, vintage_year, source)")
    header_out = ["region", "provider", "provider_region", "location", "country", "vintage_year",
                  "intensity_kg_per_kwh", "basis", "cfe_fraction", "source", "licence", "url", "note",
                  "provider_region_display"]
    stats = {
        "rows": len(out),
        "regions": len({r[0] for r in out}),
        "by_provider": {p: len({r[0] for r in out if r[1] == p}) for p in ("aws", "azure", "gcp")},
        "google_years": f"{min(google)}-{max(google)}",
        "repaired": repaired,
    }
    return csv_text(header_out, out), stats


# ---------------------------------------------------------------------------------------------
# 3. Hourly US balancing-authority series (HPE dc-rl, EIA-930-derived)
# ---------------------------------------------------------------------------------------------

HPE_DIR = "hpe_dcrl_us_hourly"
HPE_FUELS = ["WND", "SUN", "WAT", "OIL", "NG", "COL", "NUC", "OTH", "avg_CI"]
# file code -> (zone id, EIA-930 BA code, BA name)
BA_ZONES = {
    "AZPS": ("US-SW-AZPS", "AZPS", "Arizona Public Service Company"),
    "BPAT": ("US-NW-BPAT", "BPAT", "Bonneville Power Administration"),
    "CISO": ("US-CAL-CISO", "CISO", "California Independent System Operator"),
    "ERCO": ("US-TEX-ERCO", "ERCO", "Electric Reliability Council of Texas"),
    "MISO": ("US-MIDW-MISO", "MISO", "Midcontinent Independent System Operator"),
    "NYIS": ("US-NY-NYIS", "NYIS", "New York Independent System Operator"),
    "PJM": ("US-MIDA-PJM", "PJM", "PJM Interconnection"),
    "SOCO": ("US-SE-SOCO", "SOCO", "Southern Company Services"),
    # Not an EIA-930 code: dc-rl's label for its Washington-state site. The series is a second
    # copy of BPAT's EIA-930 data (92 % of hours identical, the rest differ in OTH/SUN), so it
    # keeps its own id instead of being passed off as a BA (see README).
    "WAAT": ("US-EIA-WAAT", "WAAT", "dc-rl 'WAAT' (Washington) - an alternate copy of BPAT data"),
}
HPE_SOURCE = ("HPE dc-rl data/CarbonIntensity/{f} (EIA-930 hourly net generation by fuel; "
              "avg_CI = generation-weighted IPCC AR5 median lifecycle factors)")
HPE_URL = "https://github.com/HewlettPackard/dc-rl/tree/main/data/CarbonIntensity"
HPE_LICENCE = "MIT (HPE dc-rl); EIA-930 data US public domain"
MAX_INTERP_GAP_H = 6
# An hour whose reported generation (sum of the fuel columns) is below this share of the BA's
# median hourly total is an incomplete EIA-930 report (PJM 2022-10-01: ~290 MW of ~94 GW, which
# gives a spurious 0.045 kg/kWh); its avg_CI is treated as missing. The next-lowest hour in any
# of the nine files is at 42 % of its median, so the threshold only catches broken reports.
MIN_GENERATION_SHARE = 0.10
FILL_RULE = (f"missing/empty/NaN/zero avg_CI, or an hour whose reported generation is below "
             f"{MIN_GENERATION_SHARE:.0%} of the BA's median hourly total (incomplete report), is "
             f"filled: gaps of <= {MAX_INTERP_GAP_H} consecutive hours are "
             "linearly interpolated in time between the nearest valid hours; longer gaps (and gaps "
             "touching the series ends) take the mean of the valid source hours with the same UTC "
             "hour of day in the same calendar month; is_filled=true on every filled hour")
TIMEZONE_NOTE = ("source timestamps are UTC ('+00:00'; no daylight-saving step; CISO solar centroid "
                 "~20 UTC) and mark the END of the hour (EIA-930 convention; sunrise/sunset hours in "
                 "ERCO, MISO, SOCO, CISO Jun-Dec); hour_start_utc = source timestamp - 1 h, so the "
                 "series runs 2021-12-31T23:00Z .. 2022-12-31T22:00Z")


def build_hourly(src: Path) -> tuple[str, str, dict]:
    folder = src / HPE_DIR / "data" / "CarbonIntensity"
    commit = read_source_commit(src / HPE_DIR)
    hourly_rows: list[list[str]] = []
    series_rows: list[list[str]] = []
    stats: dict[str, dict] = {}
    raw_by_code: dict[str, list] = {}
    for code in sorted(BA_ZONES, key=lambda c: (c == "WAAT", c)):  # BPAT before WAAT (compared)
        zone, eia_code, ba_name = BA_ZONES[code]
        fname = f"{code}_NG_&_avgCI.csv"
        rows = read_csv_rows(folder / fname)
        if [h.strip() for h in rows[0][1:]] != HPE_FUELS or rows[0][0] not in ("timestamp", ""):
            raise BuildError(f"{fname}: unexpected header {rows[0]}")
        stamps: list[datetime] = []
        values: list[float | None] = []
        totals: list[float] = []
        for row in rows[1:]:
            if not row:
                continue
            totals.append(sum(float(c) for c in row[1:-1] if c.strip()))
            ts = datetime.fromisoformat(row[0])
            if ts.utcoffset() != timedelta(0):
                raise BuildError(f"{fname}: timestamp {row[0]} is not UTC")
            stamps.append(ts.astimezone(timezone.utc))
            text = row[-1].strip()
            try:
                v = float(text) if text else None
            except ValueError:
                v = None
            if v is not None and (v != v or v <= 0.0):  # NaN or zero/negative: missing
                v = None
            values.append(v)
        n = len(stamps)
        positive = sorted(t for t in totals if t > 0)
        median_total = positive[len(positive) // 2]
        incomplete = [i for i, t in enumerate(totals)
                      if values[i] is not None and t < MIN_GENERATION_SHARE * median_total]
        for i in incomplete:
            values[i] = None
        for i in range(1, n):
            if stamps[i] - stamps[i - 1] != timedelta(hours=1):
                raise BuildError(f"{fname}: series not hourly-contiguous at {stamps[i]}")
        if n != 8760:
            raise BuildError(f"{fname}: {n} hours, expected 8760")
        starts = [t - timedelta(hours=1) for t in stamps]

        # month/hour-of-day means from valid source hours (on the hour_start axis)
        sums: dict[tuple[int, int], list[float]] = {}
        for t, v in zip(starts, values):
            if v is not None:
                acc = sums.setdefault((t.month, t.hour), [0.0, 0])
                acc[0] += v
                acc[1] += 1
        filled = [v is None for v in values]
        out_vals: list[float] = list(values)  # type: ignore[arg-type]
        gaps = []
        i = 0
        while i < n:
            if values[i] is not None:
                i += 1
                continue
            j = i
            while j < n and values[j] is None:
                j += 1
            gaps.append((i, j - i))
            length = j - i
            if length <= MAX_INTERP_GAP_H and i > 0 and j < n:
                v0, v1 = values[i - 1], values[j]
                for k in range(length):
                    out_vals[i + k] = v0 + (v1 - v0) * (k + 1) / (length + 1)
            else:
                for k in range(i, j):
                    key = (starts[k].month, starts[k].hour)
                    if key not in sums:
                        raise BuildError(f"{fname}: no valid hours to fill {starts[k]}")
                    out_vals[k] = sums[key][0] / sums[key][1]
            i = j
        for t, v, f in zip(starts, out_vals, filled):
            if not v > 0.0:
                raise BuildError(f"{fname}: non-positive intensity after filling at {t}")
            hourly_rows.append([zone, t.strftime("%Y-%m-%dT%H:00:00Z"), fmt_float(v / 1000.0), fmt_bool(f)])
        n_filled = sum(filled)
        raw_by_code[code] = [[float(c) if c.strip() else None for c in row[1:]] for row in rows[1:] if row]
        notes = []
        if incomplete:
            notes.append(f"{len(incomplete)} h with incomplete generation reports (< "
                         f"{MIN_GENERATION_SHARE:.0%} of median total) treated as missing")
        for a, length in gaps:
            rule = "interpolated" if length <= MAX_INTERP_GAP_H and a > 0 and a + length < n else \
                "month/hour-of-day mean"
            notes.append(f"{length} h from {starts[a].strftime('%Y-%m-%dT%H:00Z')} filled ({rule})")
        if code == "WAAT":
            same = sum(1 for x, y in zip(raw_by_code["BPAT"], raw_by_code["WAAT"]) if x == y)
            notes.insert(0, "not an EIA-930 BA code; dc-rl's label for its Washington site. The data are "
                            f"a second copy of BPAT (Bonneville) EIA-930 data: {same:,} of {n:,} hours "
                            "identical in every column, the rest differ mainly in OTH/SUN. Resolve "
                            "Pacific-Northwest runs to US-NW-BPAT")
        note = "; ".join(notes)
        series_rows.append([
            zone, eia_code, "2022", str(n), str(n_filled), "kgCO2e/kWh (source: gCO2e/kWh)", "lifecycle",
            HPE_SOURCE.format(f=fname) + f"; commit {commit[:12]}", HPE_LICENCE, HPE_URL, FILL_RULE,
            TIMEZONE_NOTE, ba_name, starts[0].strftime("%Y-%m-%dT%H:00:00Z"),
            starts[-1].strftime("%Y-%m-%dT%H:00:00Z"), note,
        ])
        valid = [v for v in values if v is not None]
        stats[zone] = {
            "hours": n, "filled": n_filled, "gaps": [(starts[a].isoformat(), L) for a, L in gaps],
            "mean_g": round(sum(valid) / len(valid), 1), "incomplete_reports": len(incomplete),
        }
    hourly_rows.sort(key=lambda r: (r[0], r[1]))
    series_rows.sort(key=lambda r: r[0])
    hourly_header = ["region", "hour_start_utc", "intensity_kg_per_kwh", "is_filled"]
    series_header = ["region", "eia_ba_code", "year", "hours", "filled_hours", "intensity_unit", "basis",
                     "source", "licence", "url", "fill_rule", "timezone_note", "ba_name",
                     "first_hour_start_utc", "last_hour_start_utc", "note"]
    return csv_text(hourly_header, hourly_rows), csv_text(series_header, series_rows), stats


# ---------------------------------------------------------------------------------------------
# 4. Flat prices (EIA-861 states, Eurostat nrg_pc_205)
# ---------------------------------------------------------------------------------------------

EIA_FILE = "eia_state_prices/state_panel_2023_2024.csv"
EIA_SOURCE = "U.S. EIA Form EIA-861 (HS861 state tables) via thxncu/RPSRB data/derived/state_panel.csv"
EIA_URL = "https://www.eia.gov/electricity/data/eia861/"
EIA_TAX_BASIS = "average revenue per kWh (EIA-861)"
EIA_SECTORS = ("commercial", "industrial")
US_STATES = {
    "AK", "AL", "AR", "AZ", "CA", "CO", "CT", "DC", "DE", "FL", "GA", "HI", "IA", "ID", "IL", "IN",
    "KS", "KY", "LA", "MA", "MD", "ME", "MI", "MN", "MO", "MS", "MT", "NC", "ND", "NE", "NH", "NJ",
    "NM", "NV", "NY", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VA", "VT", "WA",
    "WI", "WV", "WY",
}

EUROSTAT_DIR = "eurostat_nonhousehold_prices/data_Eurostat_Energy_Prices"
EUROSTAT_SOURCE = "Eurostat nrg_pc_205 (non-household electricity prices) via Qery-Data/Energy"
EUROSTAT_URL = "https://ec.europa.eu/eurostat/databrowser/view/nrg_pc_205/default/table"
EUROSTAT_TAX_BASIS = "excluding VAT and other recoverable taxes and levies (Eurostat tax=X_VAT)"
EUROSTAT_SECTOR = "non-household"
# Eurostat geo labels as written by the Qery-Data script (after its rename_dict) -> region id.
# Eurostat's own codes EL (Greece) and UK (United Kingdom) are ISO GR and GB.
EUROSTAT_GEO = {
    "Albania": "AL", "Austria": "AT", "Belgium": "BE", "Bosnia and Herz.": "BA", "Bulgaria": "BG",
    "Croatia": "HR", "Cyprus": "CY", "Czech Rep.": "CZ", "Denmark": "DK", "EU27": "EU",
    "Estonia": "EE", "Euro area": "EUROSTAT:EA", "Finland": "FI", "France": "FR", "Georgia": "GE",
    "Germany": "DE", "Greece": "GR", "Hungary": "HU", "Iceland": "IS", "Ireland": "IE", "Italy": "IT",
    "Kosovo": "XK", "Latvia": "LV", "Liechtenstein": "LI", "Lithuania": "LT", "Luxembourg": "LU",
    "Malta": "MT", "Moldova": "MD", "Montenegro": "ME", "Netherlands": "NL", "North Macedonia": "MK",
    "Norway": "NO", "Poland": "PL", "Portugal": "PT", "Romania": "RO", "Serbia": "RS", "Slovakia": "SK",
    "Slovenia": "SI", "Spain": "ES", "Sweden": "SE", "Turkey": "TR", "Ukraine": "UA",
    "United Kingdom": "GB",
}


def eurostat_band(label: str) -> str:
    m = re.search(r"band (I[A-G])$", label)
    if m:
        return m.group(1)
    if label == "Consumption of kWh - all bands":
        return "ALL"
    raise BuildError(f"unknown Eurostat consumption band label {label!r}")


def eurostat_period(label: str) -> tuple[str, int]:
    m = re.fullmatch(r"(\d{4}) (June|December)", label) or re.fullmatch(r"(\d{4})-S([12])", label)
    if not m:
        raise BuildError(f"unknown Eurostat period label {label!r}")
    year = int(m.group(1))
    sem = {"June": "1", "December": "2"}.get(m.group(2), m.group(2))
    return f"{year}-S{sem}", year


def build_flat_prices(src: Path) -> tuple[str, dict]:
    rows = read_csv_rows(src / EIA_FILE)
    hdr = rows[0]
    idx = {h: i for i, h in enumerate(hdr)}
    out: dict[str, list[str]] = {}
    totals: dict[tuple[int, str], list[float]] = {}
    for row in rows[1:]:
        year, state = int(row[idx["year"]]), row[idx["state"]]
        if state not in US_STATES:
            raise BuildError(f"{EIA_FILE}: unknown state {state!r}")
        for sector in EIA_SECTORS:
            price_cents = float(row[idx[f"{sector}_price"]])
            rev_k = float(row[idx[f"{sector}_revenue_k"]])
            sales = float(row[idx[f"{sector}_sales_mwh"]])
            if abs(rev_k * 100.0 / sales - price_cents) > 0.006:
                raise BuildError(f"{EIA_FILE}: {state} {year} {sector} price != revenue/sales")
            acc = totals.setdefault((year, sector), [0.0, 0.0])
            acc[0] += rev_k
            acc[1] += sales
            tid = f"eia861:US-{state}:{sector}:{year}"
            out[tid] = [tid, f"US-{state}", sector, "", str(year), str(year), fmt_float(price_cents / 100.0),
                        "USD", EIA_TAX_BASIS, EIA_SOURCE, "public-domain", EIA_URL]
    for (year, sector), (rev_k, sales) in totals.items():
        tid = f"eia861:US:{sector}:{year}"
        # revenue k$ / sales MWh = $/kWh exactly (1000 $ / 1000 kWh); sales-weighted mean of states
        out[tid] = [tid, "US", sector, "", str(year), str(year), fmt_float(rev_k / sales), "USD",
                    EIA_TAX_BASIS + "; US = sum of state revenue / sum of state sales (50 states + DC)",
                    EIA_SOURCE, "public-domain", EIA_URL]
    n_eia = len(out)

    def add_eurostat(geo: str, band: str, period_label: str, value_text: str, what: str, dropped: list):
        if geo not in EUROSTAT_GEO:
            raise BuildError(f"unknown Eurostat geo label {geo!r} in {what}")
        if value_text.strip() == "":
            return
        value = float(value_text)
        period, year = eurostat_period(period_label)
        region = EUROSTAT_GEO[geo]
        if value <= 0.0:  # Eurostat publishes no zero prices; 0 here means not available/confidential
            dropped.append(f"{region} {band} {period}")
            return
        tid = f"eurostat:{region}:{band}:{period}"
        row = [tid, region, EUROSTAT_SECTOR, band, period, str(year), fmt_float(value), "EUR",
               EUROSTAT_TAX_BASIS, EUROSTAT_SOURCE + f" {what}", "CC-BY-4.0", EUROSTAT_URL]
        if tid in out:
            if out[tid][6] != row[6]:
                raise BuildError(f"{tid}: {what} gives {row[6]}, earlier file gave {out[tid][6]}")
            return  # identical value already present (band IC appears in both files)
        out[tid] = row

    dropped: list[str] = []
    groups = read_csv_rows(src / EUROSTAT_DIR / "Electricity_Prices_Non_Household_Consumers_Groups_Europe.csv")
    latest = read_csv_rows(src / EUROSTAT_DIR / "Electricity_Prices_Non_Household_Consumers_Latest_Europe.csv")
    latest_period = latest[0][1]  # the Groups file has the same single (latest) period, tax X_VAT, EUR
    bands = [eurostat_band(h) for h in groups[0][1:]]
    for row in groups[1:]:
        for band, cell in zip(bands, row[1:]):
            add_eurostat(row[0], band, latest_period, cell, "(all bands, latest semester)", dropped)
    series = read_csv_rows(src / EUROSTAT_DIR / "Electricity_Prices_Non_Household_Consumers_Time_All_Countries.csv")
    periods = series[0][1:]
    for row in series[1:]:
        for p, cell in zip(periods, row[1:]):
            add_eurostat(row[0], "IC", p, cell, "(band IC time series)", dropped)
    # cross-check: the EU27 X_VAT series in the EU27-only file equals the EU row of the panel
    eu27 = read_csv_rows(src / EUROSTAT_DIR / "Electricity_Prices_Non_Household_Consumers_Time_EU27.csv")
    for row in eu27[1:]:
        if row[0] != "Excluding VAT and other recoverable taxes and levies":
            continue
        for p, cell in zip(eu27[0][1:], row[1:]):
            if cell:
                period, _ = eurostat_period(p)
                tid = f"eurostat:EU:IC:{period}"
                if tid not in out or abs(float(out[tid][6]) - float(cell)) > 1e-9:
                    raise BuildError(f"EU27 cross-check failed for {tid}")

    rows_out = [out[k] for k in sorted(out, key=lambda t: (t.split(":")[0], out[t][1], out[t][2],
                                                           out[t][3], out[t][4]))]
    header = ["tariff_id", "region", "sector", "band", "period", "year", "price_per_kwh", "currency",
              "tax_basis", "source", "licence", "url"]
    euro = [r for r in rows_out if r[0].startswith("eurostat:")]
    stats = {
        "rows": len(rows_out), "eia_rows": n_eia, "eurostat_rows": len(euro),
        "eurostat_regions": len({r[1] for r in euro}),
        "eurostat_periods": f"{min(r[4] for r in euro)}..{max(r[4] for r in euro)}",
        "eurostat_band_regions_latest": len({r[1] for r in euro if r[4] == latest_period and r[3] != 'IC'}),
        "latest_period": latest_period, "dropped_zero": dropped,
        "us_national": {k: out[k][6] for k in sorted(out) if k.startswith("eia861:US:")},
    }
    return csv_text(header, rows_out), stats


# ---------------------------------------------------------------------------------------------
# 5. Time-of-use tariffs (OpenEI URDB examples)
# ---------------------------------------------------------------------------------------------

URDB_DIR = "urdb_tariff_examples/data/tariffs"
URDB_SOURCE = ("OpenEI U.S. Utility Rate Database (URDB) tariff JSON, via erock25/urdb-tariff-viewer_v3 "
               "data/tariffs/{f}")
URDB_LICENCE = "CC-BY-4.0"
URDB_VIEW_URL = "https://apps.openei.org/IURDB/rate/view/{label}"
# Readable ids for the shipped examples; any other file gets slug(file stem).
URDB_TARIFF_IDS = {
    "PGE_BEV-2-S_2025-09-08.json": "pge-bev-2-s",
    "SCE_TOU-8_ Option-D_Under-2-kV.json": "sce-tou-8-option-d-under-2kv",
    "SCE_TOU-EV-9_below-2kV_2025-09-08_Neat.json": "sce-tou-ev-9-below-2kv",
    "SDGE_EV-HP_EECC-CPP-D_2025-09-08_Neat.json": "sdge-ev-hp-eecc-cpp-d",
    "Sacramento_Municipal_Utility_District_CI_TOD3_Commercial_and_Industrial_TOD_Secondary_500_999_kW.json":
        "smud-ci-tod3-secondary-500-999kw",
    "Sacramento_Municipal_Utility_District_CI_TOD4_Commercial_and_Industrial_TOD_Secondary_1000_kW.json":
        "smud-ci-tod4-secondary-1000kw",
    "San_Diego_Gas_Electric_Co_AL_TOU_Secondary_Above_500kW.json": "sdge-al-tou-secondary-above-500kw",
}
# Three example files carry the same URDB label/uri. The format doc
# (docs/development/tariff-data-formats.md) shows that label as PG&E's BEV-2-S record, so only that
# file keeps the OpenEI page as its url; the others point at their own utility tariff sheet.
URDB_LABEL_OWNER = {"6757525f259975f54b0eccbf": "PGE_BEV-2-S_2025-09-08.json"}
# EIA utility ids, to flag copied metadata (the id is kept as given in the file).
UTILITY_EIA_IDS = {
    "Pacific Gas & Electric Co": 14328,
    "Southern California Edison Co": 17609,
    "San Diego Gas & Electric Co": 16609,
    "San Diego Gas & Electric Company (SDG&E)": 16609,
    "Sacramento Municipal Utility District": 16534,
}
PLACEHOLDER_TEXT = {"add description", "insert energy comments", ""}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def excerpt(text: str | None, limit: int = 280) -> str | None:
    if text is None or text.strip().lower() in PLACEHOLDER_TEXT:
        return None
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + " ..."


def unix_to_date(ts) -> str | None:
    """URDB stores effective dates as a local midnight in some offset; round to the nearest UTC day."""
    if ts in (None, ""):
        return None
    dt = datetime.fromtimestamp(int(ts), tz=timezone.utc) + timedelta(hours=12)
    return dt.strftime("%Y-%m-%d")


def normalise_tiers(structure, what: str, fname: str, units: tuple) -> list[dict]:
    """URDB rate structure -> [{period, tiers: [{rate, adj, max, price}]}]; accepts the nested
    ``{"energyRateTiers": [...]}`` / ``{"flatDemandTiers": [...]}`` 'hybrid' form too."""
    periods = []
    for p_index, period in enumerate(structure):
        if isinstance(period, dict):
            inner = [v for k, v in period.items() if k.endswith("Tiers")]
            if len(inner) != 1:
                raise BuildError(f"{fname}: {what}[{p_index}] has no tier list: {period}")
            period = inner[0]
        if not isinstance(period, list) or not period:
            raise BuildError(f"{fname}: {what}[{p_index}] is not a non-empty tier list")
        tiers = []
        for tier in period:
            unit = tier.get("unit")
            if unit not in units:
                raise BuildError(f"{fname}: {what}[{p_index}] tier unit {unit!r} not in {units}")
            rate = float(tier.get("rate", 0.0))
            adj = float(tier.get("adj", 0.0))
            t = {"rate": rate, "adj": adj}
            if tier.get("max") is not None:
                t["max"] = float(tier["max"])
            t["price"] = round(rate + adj, 6)
            tiers.append(t)
        periods.append({"period": p_index, "tiers": tiers})
    return periods


def check_schedule(matrix, n_periods: int, what: str, fname: str) -> list[list[int]]:
    if not isinstance(matrix, list) or len(matrix) != 12:
        raise BuildError(f"{fname}: {what} must have 12 month rows, has "
                         f"{len(matrix) if isinstance(matrix, list) else type(matrix).__name__}")
    out = []
    for m, row in enumerate(matrix):
        if not isinstance(row, list) or len(row) != 24:
            raise BuildError(f"{fname}: {what} month {m + 1} must have 24 hours")
        ints = []
        for h, v in enumerate(row):
            if not isinstance(v, int) or isinstance(v, bool):
                raise BuildError(f"{fname}: {what}[{m}][{h}] = {v!r} is not an integer")
            if not 0 <= v < n_periods:
                raise BuildError(f"{fname}: {what}[{m}][{h}] = {v} refers to a period that does not "
                                 f"exist (structure has {n_periods} periods)")
            ints.append(v)
        out.append(ints)
    return out


def dump_json(obj, indent: int = 0) -> str:
    """Deterministic JSON: dicts one key per line, lists of scalars on one line (schedule rows)."""
    pad = "  " * indent
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        if all(not isinstance(v, (dict, list)) for v in obj.values()):  # e.g. one tier
            return "{" + ", ".join(f"{json.dumps(k)}: {dump_json(v)}" for k, v in obj.items()) + "}"
        items = [f'{pad}  {json.dumps(k)}: {dump_json(v, indent + 1)}' for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list):
        if all(not isinstance(v, (dict, list)) for v in obj):
            return "[" + ", ".join(json.dumps(v) for v in obj) + "]"
        items = [f"{pad}  {dump_json(v, indent + 1)}" for v in obj]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return json.dumps(obj, ensure_ascii=False)


def build_tou(src: Path) -> tuple[dict[str, str], str, dict]:
    folder = src / URDB_DIR
    commit = read_source_commit(src / "urdb_tariff_examples")
    files = sorted(p for p in folder.glob("*.json"))
    raw_items = {}
    label_count: dict[str, int] = {}
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        items = data["items"] if isinstance(data, dict) and "items" in data else [data]
        if len(items) != 1:
            raise BuildError(f"{path.name}: expected one tariff, found {len(items)}")
        raw_items[path.name] = items[0]
        label = items[0].get("label")
        if label:
            label_count[label] = label_count.get(label, 0) + 1

    outputs: dict[str, str] = {}
    index_rows = []
    for fname, t in raw_items.items():
        tid = URDB_TARIFF_IDS.get(fname, slug(Path(fname).stem))
        if f"{tid}.json" in outputs:
            raise BuildError(f"duplicate tariff_id {tid}")
        quality = []
        label = t.get("label")
        tariff_sheet = t.get("source") or t.get("sourceReference")
        shared_label = label is not None and label_count.get(label, 0) > 1
        if shared_label and URDB_LABEL_OWNER.get(label) != fname:
            url = tariff_sheet
            quality.append(f"label/uri/revisions/supersedes ({label}) are copied from another tariff's "
                           "URDB record in the source file; url points at the utility tariff sheet instead")
            label_out = None
        else:
            url = t.get("uri") or (URDB_VIEW_URL.format(label=label) if label else tariff_sheet)
            label_out = label
        eiaid = t.get("eiaid")
        expected = UTILITY_EIA_IDS.get(t.get("utility", ""))
        if expected is not None and eiaid != expected:
            quality.append(f"eiaid {eiaid} in the source file does not belong to {t.get('utility')} "
                           f"(EIA id {expected}); kept as given")
        if t.get("approved") is False:
            quality.append("URDB record not marked approved")

        energy = normalise_tiers(t.get("energyratestructure") or [], "energyratestructure", fname, ("kWh",))
        if not energy:
            raise BuildError(f"{fname}: no energyratestructure")
        labels = t.get("energytoulabels") or []
        if labels and len(labels) == len(energy):
            energy = [{"period": p["period"], "label": labels[p["period"]], "tiers": p["tiers"]}
                      for p in energy]
        elif labels:
            quality.append(f"energytoulabels has {len(labels)} labels for {len(energy)} periods; not used")
        wk = check_schedule(t.get("energyweekdayschedule"), len(energy), "energyweekdayschedule", fname)
        we = check_schedule(t.get("energyweekendschedule"), len(energy), "energyweekendschedule", fname)
        used = {v for row in wk + we for v in row}
        unused = [p["period"] for p in energy if p["period"] not in used]
        if unused:
            quality.append(f"energy periods {unused} are not used by either schedule")

        doc: dict = {
            "tariff_id": tid,
            "urdb_label": label_out,
            "utility": t.get("utility"),
            "eiaid": eiaid,
            "name": t.get("name"),
            "sector": (t.get("sector") or "").lower() or None,
            "servicetype": t.get("servicetype"),
            "description": excerpt(t.get("description")),
            "energy_comments": excerpt(t.get("energycomments")),
            "start_date": unix_to_date(t.get("startdate")),
            "startdate_unix": t.get("startdate"),
            "end_date": unix_to_date(t.get("enddate")),
            "currency": "USD",
            "energy_rate_unit": "USD/kWh",
            "energy_price_rule": "price = rate + adj for the tier; schedules are [month 0-11][hour 0-23] "
                                 "local time, values index energyratestructure",
            "energyratestructure": energy,
            "energyweekdayschedule": wk,
            "energyweekendschedule": we,
        }
        has_demand = False
        if t.get("demandratestructure"):
            demand = normalise_tiers(t["demandratestructure"], "demandratestructure", fname, (None, "kW"))
            for p in demand:
                for tier in p["tiers"]:
                    has_demand |= tier["price"] > 0
            doc["demandratestructure"] = demand
            doc["demand_rate_unit"] = "USD/kW"
            doc["demandweekdayschedule"] = check_schedule(t.get("demandweekdayschedule"), len(demand),
                                                          "demandweekdayschedule", fname)
            doc["demandweekendschedule"] = check_schedule(t.get("demandweekendschedule"), len(demand),
                                                          "demandweekendschedule", fname)
        if t.get("flatdemandstructure"):
            flat = normalise_tiers(t["flatdemandstructure"], "flatdemandstructure", fname, (None, "kW"))
            for p in flat:
                for tier in p["tiers"]:
                    has_demand |= tier["price"] > 0
            months = t.get("flatdemandmonths")
            if not (isinstance(months, list) and len(months) == 12
                    and all(isinstance(m, int) and 0 <= m < len(flat) for m in months)):
                raise BuildError(f"{fname}: flatdemandmonths must be 12 valid period indices")
            doc["flatdemandstructure"] = flat
            doc["flatdemandmonths"] = months
            doc["flat_demand_rate_unit"] = "USD/kW per month"
        if "demandratestructure" in doc or "flatdemandstructure" in doc:
            doc["demand_charges_note"] = "kept as data; wattledger does not apply demand charges"
        for key in ("mindemand", "maxdemand"):
            if t.get(key) is not None:
                doc[f"{key}_kw"] = float(t[key])
        if t.get("fixedchargefirstmeter") is not None:
            doc["fixedchargefirstmeter"] = float(t["fixedchargefirstmeter"])
            doc["fixedchargeunits"] = t.get("fixedchargeunits")
        doc["source"] = URDB_SOURCE.format(f=fname) + f" (commit {commit[:12]})"
        doc["licence"] = URDB_LICENCE
        doc["url"] = url
        doc["tariff_sheet_url"] = tariff_sheet
        doc["quality_notes"] = quality
        outputs[f"{tid}.json"] = dump_json(doc) + "\n"
        index_rows.append([tid, t.get("utility") or "", t.get("name") or "", doc["sector"] or "",
                           doc["start_date"] or "", str(len(energy)), fmt_bool(has_demand),
                           doc["source"], URDB_LICENCE, url or ""])
    index_rows.sort(key=lambda r: r[0])
    header = ["tariff_id", "utility", "name", "sector", "start_date", "periods", "has_demand_charges",
              "source", "licence", "url"]
    return outputs, csv_text(header, index_rows), {"tariffs": len(outputs)}


# ---------------------------------------------------------------------------------------------
# 6./7. Hand-curated hardware tables: validation only
# ---------------------------------------------------------------------------------------------

GPU_COLUMNS = ["gpu_model", "aliases", "vendor", "form_factor", "tdp_w", "typical_power_w", "memory_gb",
               "source", "url", "vintage_year"]
PUE_COLUMNS = ["provider", "scope", "year", "pue", "source", "url", "note"]


def validate_hardware(root: Path) -> dict:
    gpu = read_csv_rows(root / "hardware" / "gpu_power.csv")
    if gpu[0][: len(GPU_COLUMNS)] != GPU_COLUMNS:
        raise BuildError(f"hardware/gpu_power.csv: header must start with {GPU_COLUMNS}")
    h = {c: i for i, c in enumerate(gpu[0])}
    seen: dict[str, str] = {}
    for row in gpu[1:]:
        model = row[h["gpu_model"]]
        for col in ("vendor", "tdp_w", "source", "url", "vintage_year", "licence"):
            if not row[h[col]].strip():
                raise BuildError(f"gpu_power.csv {model}: empty {col}")
        names = [model] + [a.strip() for a in row[h["aliases"]].split(";") if a.strip()]
        for name in names:
            key = name.casefold()
            if key in seen and seen[key] != model:
                raise BuildError(f"gpu_power.csv: alias {name!r} maps to both {seen[key]} and {model}")
            seen[key] = model
    pue = read_csv_rows(root / "hardware" / "pue.csv")
    if pue[0][: len(PUE_COLUMNS)] != PUE_COLUMNS:
        raise BuildError(f"hardware/pue.csv: header must start with {PUE_COLUMNS}")
    keys = set()
    hp = {c: i for i, c in enumerate(pue[0])}
    for row in pue[1:]:
        key = (row[hp["provider"]], row[hp["scope"]], row[hp["year"]])
        if key in keys:
            raise BuildError(f"pue.csv: duplicate {key}")
        keys.add(key)
        if not 1.0 <= float(row[hp["pue"]]) <= 3.0:
            raise BuildError(f"pue.csv: implausible PUE in {row}")
    return {"gpu_models": len(gpu) - 1, "aliases": len(seen), "pue_rows": len(pue) - 1}


# ---------------------------------------------------------------------------------------------


def build_all(src: Path, out: Path, repo_root: Path = REPO_ROOT) -> dict:
    if not src.is_dir():
        raise BuildError(f"source folder {src} not found (pass --source)")
    stats = {}
    text, stats["annual_intensity"] = build_annual_intensity(src)
    write_text(out / "grid_intensity" / "annual_intensity.csv", text)
    text, stats["cloud_regions"] = build_cloud_regions(src)
    write_text(out / "grid_intensity" / "cloud_regions.csv", text)
    hourly, series, stats["hourly"] = build_hourly(src)
    write_text(out / "grid_intensity" / "hourly_us_ba_2022.csv", hourly)
    write_text(out / "grid_intensity" / "hourly_series.csv", series)
    text, stats["flat_prices"] = build_flat_prices(src)
    write_text(out / "tariffs" / "flat_prices.csv", text)
    # Electricity Maps zones (ODbL): their own file, derived by their own script
    from build_zone_intensity import OUT_NAME, build_zone_intensity  # noqa: PLC0415 (a sibling script)
    text, stats["zone_intensity"] = build_zone_intensity(src)
    write_text(out / OUT_NAME, text)
    tou_files, index, stats["tou"] = build_tou(src)
    tou_dir = out / "tariffs" / "tou"
    tou_dir.mkdir(parents=True, exist_ok=True)
    for old in tou_dir.glob("*.json"):
        if old.name not in tou_files:
            old.unlink()  # a tariff dropped from the sources must not linger
    for name, body in sorted(tou_files.items()):
        write_text(tou_dir / name, body)
    write_text(tou_dir / "index.csv", index)
    stats["hardware"] = validate_hardware(repo_root)
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=None,
                        help="raw source folder (default: ../shared/data relative to the repo root)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT, help="output root (default: repo root)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    src = args.source if args.source is not None else (REPO_ROOT / DEFAULT_SOURCE)
    if not src.is_absolute():
        src = (Path.cwd() / src) if args.source is not None else src
    try:
        stats = build_all(src.resolve(), args.out.resolve())
    except BuildError as exc:
        print(f"build_reference_data: ERROR: {exc}", file=sys.stderr)
        return 1
    if not args.quiet:
        print(json.dumps(stats, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
