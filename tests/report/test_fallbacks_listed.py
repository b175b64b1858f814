"""Issue 16: the report's data-quality section lists every fallback, with its runs and share of energy."""

from datetime import datetime, timezone

from conftest import HEADER
from wattledger.compute import compute_footprints
from wattledger.pipeline import ingest_paths
from wattledger.report import write_period_report

FIXED = datetime(2026, 11, 1, tzinfo=timezone.utc)
RUNS = [  # run, year, region, watts (energy shares: 1 : 2 : 3 : 4 : 10)
    ("own", 2024, "FR", 100),
    ("later", 2019, "US-CAL-CISO", 200),  # Electricity Maps starts in 2021
    ("country", 2024, "DE-NORTH", 300),  # no such zone: Germany's factor
    ("unknown", 2024, "Frnace", 400),  # not a region: the world average
    ("earlier", 2030, "DE", 1000),  # Ember ends in 2024
]


def test_every_fallback_is_listed_with_its_share_of_energy(con, write, tmp_path):
    text = HEADER + "\n" + "".join(f"{r},t,p,{y}-05-01T00:00:00Z,{y}-05-01T10:00:00Z,H100-SXM,1,{w},1.2,{g}\n"
                                   for r, y, g, w in RUNS)
    ingest_paths(con, [write("runs.csv", text)])
    compute_footprints(con)
    report = write_period_report(con, tmp_path / "r.md", generated_at=FIXED).read_text()
    quality = report.split("## Data quality")[1].split("\n## ")[0]
    total = sum(w for *_, w in RUNS)
    for basis, watts in [("region\\_later\\_year", 200), ("country\\_for\\_zone", 300), ("default:WORLD", 400),
                         ("region\\_earlier\\_year", 1000)]:
        line = next(line for line in quality.splitlines() if f"grid intensity: {basis} " in line)
        assert line.split("|")[3].strip() == "1" and line.split("|")[4].strip() == f"{100 * watts / total:.1f} %", line
    unknown = next(line for line in quality.splitlines() if "region not in the reference tables" in line)
    assert "Frnace" in unknown
    assert "grid intensity: region |" not in quality  # the run's own region and year is no fallback
    assert "lifecycle" in report.split("## Methodology")[1]  # the one scope of the total is stated
