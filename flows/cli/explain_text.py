"""The text of ``wattledger factors``: what a region and year resolve to, and why (issue 16)."""

from __future__ import annotations

from wattledger.factors.intensity import describe_basis
from wattledger.method import INTENSITY_SCOPE


def explanation_lines(r: dict, region: str | None, year: int | None) -> list[str]:
    """Lines explaining ``wattledger.factors.explain``'s result ``r`` for ``region`` and ``year``."""
    out: list[str] = []
    row = f"{r['intensity_region']}, {r['intensity_year']}" if r["intensity_region"] else "from the site file"
    out.append(f"grid intensity     {r['intensity_kg_per_kwh']:.6g} kgCO2e/kWh  [{r['intensity_basis']}: {row}]  "
               f"bounds {r['intensity_low_kg_per_kwh']:.6g}-{r['intensity_high_kg_per_kwh']:.6g}")
    out.append(f"  source: {r['intensity_source']}")
    out.append(f"  {describe_basis(r['intensity_basis'], r['intensity_year'], year, r['intensity_region'])}")
    out.append(f"PUE                {r['pue_value']:.4g}  [{r['pue_basis']}]")
    out.append(f"  source: {r['pue_source']}")
    out.append(f"electricity price  {r['price_value']:.6g} {r['price_currency']}/kWh  [{r['price_basis']}: {r['tariff_id'] or 'no tariff id'}]")
    out.append(f"  source: {r['price_source']}")
    years = r["region_years"]
    out.append(f"region {region!r} -> key {r['region_key']}; grid zone: {r['zone_key'] or '-'}; country: {r['country_key']}; "
               f"price region: {r['price_region_key'] or '-'}; annual factors for this key: "
               f"{f'{years[0]}-{years[-1]} ({len(years)} years)' if years else 'none'}")
    if region is not None and not r["is_known_region"]:
        out.append(f"warning: {region!r} is not in the reference tables (not a country code or name, grid zone or cloud region)")
    if r["intensity_alternatives"]:
        out.append("every source for the region (any year), its zone and its country (the year used), either scope:")
    for a in r["intensity_alternatives"]:
        out.append(f"  {a['vintage_year']} {a['lookup_key']}: {a['intensity_kg_per_kwh']:.6g} kg/kWh ({a['scope']}) {a['source']}")
    for s in r["hourly_series"]:
        out.append(f"hourly series: {s['year']}, {s['hours']:,} h from {s['first_hour_start_utc']} "
                   f"({s['filled_hours']} filled hours); source: {s['source']}")
    out.append(f"rules ({INTENSITY_SCOPE} scope): logged > datacenter > region, then its grid zone, of the run's year > the same of "
               "the nearest year (earlier, else later) > its country > the world average of the run's year")
    return out
