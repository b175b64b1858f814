"""The report as a document (issue 19): HTML that needs nothing from elsewhere, markdown for the
Prefect UI with its charts inline, units scaled to the figures, the header and boundary."""

import re
from datetime import datetime, timezone
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from conftest import EXAMPLES
from wattledger.compute import compute_footprints, current_factor_set
from wattledger.pipeline import ingest_paths
from wattledger.report import write_period_report
from wattledger.report.period import report_markdown_inline
from wattledger.report.scale import ENERGY_UNITS, MASS_UNITS, energy, mass, unit_for
from wattledger.report.tables import top_runs_rows
from wattledger.store import connect, report_queries

FIXED = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("doc") / "w.duckdb"
    con = connect(path)
    ingest_paths(con, [EXAMPLES / "cluster_logs", EXAMPLES / "public_runs.csv", EXAMPLES / "codecarbon"])
    compute_footprints(con)
    con.close()
    return path


class _Resources(HTMLParser):
    """Every URL the page would load (src, link href, CSS url()) and its section ids and TOC links."""

    def __init__(self):
        super().__init__()
        self.loads, self.ids, self.toc, self.images = [], set(), [], 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "img":
            self.images += 1
        for key in ("src", "srcset", "poster", "data"):
            if key in a:
                self.loads.append(a[key])
        if tag in ("link", "script", "iframe", "object", "embed") and "href" in a:
            self.loads.append(a["href"])
        if tag == "a" and a.get("href", "").startswith("#"):
            self.toc.append(a["href"][1:])


def test_the_html_report_is_self_contained(demo_db, tmp_path):
    con = connect(demo_db, read_only=True)
    out = write_period_report(con, tmp_path / "r.html", generated_at=FIXED, fmt="html", factor_set=current_factor_set(con))
    con.close()
    page = out.read_text()
    parser = _Resources()
    parser.feed(page)
    assert parser.images >= 3
    assert parser.loads and all(u.startswith("data:image/png;base64,") for u in parser.loads)  # nothing from elsewhere
    assert "<script" not in page and "url(" not in page.split("<body>")[0].replace("data:", "")
    assert [p for p in tmp_path.iterdir()] == [out]  # no PNG beside it
    assert set(parser.toc) <= parser.ids and "executive-summary" in parser.toc and "methodology" in parser.toc
    assert "@media print" in page


def test_log_text_stays_text_in_html(tmp_path, write):
    con = connect(tmp_path / "w.duckdb")
    ingest_paths(con, [write("runs.csv", "run_id,team,gpu_count,gpu_hours,avg_power_w,region\n"
                                         "a,<script>alert(1)</script>,1,10,300,FR\n")])
    compute_footprints(con)
    page = write_period_report(con, tmp_path / "r.html", fmt="html").read_text()
    con.close()
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_the_artifact_markdown_has_no_relative_image_link(demo_db):
    con = connect(demo_db, read_only=True)
    text = report_markdown_inline(con, generated_at=FIXED)
    con.close()
    images = [t for tok in MarkdownIt("commonmark").enable("table").parse(text) if tok.children
              for t in tok.children if t.type == "image"]
    assert len(images) >= 3
    assert all(t.attrs["src"].startswith("data:image/png;base64,") for t in images)


def test_header_boundary_and_key_figures(demo_db, tmp_path):
    con = connect(demo_db, read_only=True)
    text = write_period_report(con, tmp_path / "r.md", generated_at=FIXED, factor_set=current_factor_set(con)).read_text()
    t = report_queries.totals(con, None, None)
    con.close()
    head = text.split("## ")[1]
    assert re.search(r"wattledger \S+ · factor set [0-9a-f]{16} · data cut-off \d{4}-\d\d-\d\d \d\d:\d\d UTC", text)
    assert "generated 2026-11-30 12:00 UTC" in text
    summary = text.split("## Executive summary")[1].split("\n## ")[0]
    per_gpu_h = t["co2e_t"] * 1e3 / t["gpu_hours"]
    assert f"| CO2e per GPU-hour | {md_sig(per_gpu_h)} kg |" in summary
    assert f"| Fleet grid intensity, as accounted | {md_sig(t['co2e_t'] * 1e3 / t['energy_mwh'])} kg CO2e/MWh |" in summary
    assert "| Energy measured (telemetry, trackers) |" in summary and "| Energy on a fallback grid factor |" in summary
    boundary = text.split("## Boundary: what these figures include")[1].split("\n## ")[0]
    assert "**Teams:**" in boundary and "**Not counted:**" in boundary and "embodied" in boundary
    assert "without a start time" in boundary  # public runs have no dates: said, not dropped silently
    charts = text.split("## Charts")[1].split("\n## ")[0]
    assert "without a start time" in charts and "time axis" in charts
    assert head


def md_sig(v):
    from wattledger.report import markdown as md

    return md.sig(v)


def test_a_tracker_run_reads_in_wh_not_a_string_of_zeros(tmp_path, write):
    con = connect(tmp_path / "w.duckdb")
    ingest_paths(con, [write("runs.csv", "run_id,gpu_count,gpu_hours,avg_power_w,pue,grid_intensity_kg_per_kwh\n"
                                         "tiny,1,0.1,300,1.0,0.1\n")])
    compute_footprints(con)
    text = write_period_report(con, tmp_path / "r.md").read_text()
    con.close()
    assert "30.0 Wh" in text and "3.00 g CO2e" in text
    for section in ("Executive summary", "Totals", "By team", "Top 10 runs by CO2e", "Energy beyond the GPUs: CPUs and memory"):
        body = text.split(f"## {section}")[1].split("\n## ")[0]
        assert "0.0000" not in body and " MWh" not in body, section
    assert "minutes** of electricity" in text or "hours** of electricity" in text  # one home's time, not 0.000003 homes


def test_top_runs_rows_carry_units_and_rounded_values(demo_db):
    con = connect(demo_db, read_only=True)
    rows = top_runs_rows(report_queries.top_runs(con, None, None, 10))
    con.close()
    assert list(rows[0])[:3] == ["run", "CO2e (t)", "energy (GWh)"] or list(rows[0])[1].startswith("CO2e (")
    assert all(len(v.replace(",", "").replace(".", "")) <= 8 for r in rows for k, v in r.items() if k.startswith("CO2e"))


@given(st.floats(min_value=1e-6, max_value=1e12, allow_nan=False))
def test_the_unit_keeps_the_figure_between_1_and_1000(kwh):
    unit, size = unit_for(kwh, ENERGY_UNITS)
    assert 1 <= kwh / size < 1000 or (unit == "Wh" and kwh / size < 1) or unit == "GWh"
    assert energy(kwh).endswith(" " + unit)


@given(st.floats(min_value=1e-6, max_value=1e9, allow_nan=False))
def test_mass_scales_and_round_trips(kg):
    unit, size = unit_for(kg, MASS_UNITS)
    shown = float(mass(kg).split()[0].replace(",", ""))
    assert shown * size == pytest.approx(kg, rel=5e-3)


def test_gpu_models_are_grouped_by_the_canonical_model_with_the_logged_names(tmp_path, write):
    con = connect(tmp_path / "w.duckdb")
    ingest_paths(con, [write("runs.csv", "run_id,gpu_model,gpu_count,gpu_hours,avg_power_w,region\n"
                                         "a,H100-SXM,8,10,500,FR\nb,NVIDIA H100 80GB HBM3,8,10,500,FR\n"
                                         "c,Mystery-X,1,10,300,FR\n")])
    compute_footprints(con)
    from wattledger.store.gpu_model_names import gpu_model_names

    assert gpu_model_names(con) == {"H100-SXM": "H100-SXM", "NVIDIA H100 80GB HBM3": "H100-SXM"}  # Mystery-X unknown
    text = write_period_report(con, tmp_path / "r.md").read_text()
    con.close()
    table = text.split("## By GPU model")[1].split("\n## ")[0]
    assert "| H100-SXM | 2 | 20 |" in table and "H100-SXM, NVIDIA H100 80GB HBM3 |" in table
    assert "| Mystery\\-X | 1 | 10 |" in table or "| Mystery-X | 1 | 10 |" in table
