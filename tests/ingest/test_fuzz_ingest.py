"""Fuzzing every parser: hypothesis writes rows and whole files — plausible ones, broken ones
(wrong quoting, truncation, flipped bytes, random columns, extreme numbers, any unicode) and
plain random bytes — and each is ingested through wattledger.pipeline.ingest_paths.

The property, for any input: the file is refused with a message naming it and nothing of it
is stored, or it is stored and its records add up exactly (records = loaded + rejected +
folded, each loaded record a row of runs/power_samples, each rejected one a line of rejects)
— never another exception, never part of a refused file. Runs are derandomized (the same
examples every time) and bounded (EXAMPLES per parser) so that the suite stays fast.
"""

from __future__ import annotations

import io
import itertools
import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wattledger.ingest.contract import USER_COLUMNS
from wattledger.pipeline import ingest_paths
from wattledger.store import connect

# every parser fuzzed with 50 examples each: about 15 s together
pytestmark = pytest.mark.slow

#: Examples per parser. CI runs a fixed set (derandomized); WATTLEDGER_FUZZ_EXAMPLES=2000 runs a
#: longer, random search (new examples each time), e.g. before a release.
EXAMPLES = int(os.environ.get("WATTLEDGER_FUZZ_EXAMPLES", "50"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize="WATTLEDGER_FUZZ_EXAMPLES" not in os.environ,
                database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
RUN_COUNT = {}  # parser -> examples ingested (reported by test_examples_were_run)

# --- pieces of values ----------------------------------------------------------------------

numbers = st.one_of(
    st.integers(-10, 10_000).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["1e20", "-1e20", "1e400", "1e-400", "NaN", "inf", "-inf", "Infinity", "0", "-0", "2.5", " 8 ",
                     "8,5", "0x10", "1_000", "18446744073709551615", "9" * 40, "", "eight"]),
)
timestamps = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)).map(lambda d: d.isoformat()),
    st.datetimes(timezones=st.just(timezone(timedelta(hours=5, minutes=30)))).map(lambda d: d.isoformat()),
    st.sampled_from(["2024-10-01T08:00:00Z", "2024-10-01 08:00", "2024-10-01", "2024-10-01T08:00:00 PST", "epoch",
                     "infinity", "2024-10-01T01:0", "2024-02-30", "2024-10-01T08:00:00+25:00", "1727769600", ""]),
)
text = st.text(max_size=20)  # any unicode: quotes, commas, newlines, NUL, surrogates are excluded by UTF-8 itself
value = st.one_of(numbers, timestamps, text, st.sampled_from(["H100-SXM", "A100-SXM4-80GB", "USD", "eur", "FR", "x"]))
column_names = st.one_of(st.sampled_from(USER_COLUMNS), st.sampled_from(["RUN_ID", " gpu_count ", "notes", "source_format"]), text)


def _csv_field(v: str, quoting: str) -> str:
    if quoting == "all" or (quoting == "minimal" and any(c in v for c in ',"\r\n')):
        return '"' + v.replace('"', '""') + '"'
    if quoting == "broken":  # quotes not doubled, opened and not closed
        return '"' + v if v.startswith("x") else v.replace("a", '"')
    return v


@st.composite
def delimited_files(draw, header_pool=column_names, values=value, delimiters=st.sampled_from([",", ",", ",", ";", "\t", "|"])):
    """A header and records: columns (often the contract's), values of every kind, quoting
    right or wrong, LF/CRLF/CR, a BOM, extra or missing fields, blank lines."""
    names = draw(st.lists(header_pool, min_size=1, max_size=8))
    if draw(st.booleans()):
        names = ["run_id", "gpu_count", "gpu_hours"] + names[:5]
    delimiter, quoting = draw(delimiters), draw(st.sampled_from(["minimal", "minimal", "all", "none", "broken"]))
    rows = []
    for _ in range(draw(st.integers(0, 12))):
        n = len(names) + draw(st.sampled_from([0, 0, 0, 0, -1, 1]))
        rows.append([draw(values) for _ in range(max(n, 0))])
    lines = [delimiter.join(_csv_field(v, quoting) for v in r) for r in [names, *rows]]
    if draw(st.booleans()):
        lines.insert(draw(st.integers(1, len(lines))), "")
    newline = draw(st.sampled_from(["\n", "\n", "\r\n", "\r"]))
    data = newline.join(lines) + draw(st.sampled_from([newline, ""]))
    return (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + data.encode("utf-8")


@st.composite
def damaged(draw, files):
    """A file, sometimes cut short or with a few bytes overwritten (not always valid UTF-8 then)."""
    data = draw(files)
    how = draw(st.sampled_from(["as is", "as is", "truncated", "flipped"]))
    if how == "truncated" and data:
        data = data[: draw(st.integers(0, len(data)))]
    elif how == "flipped" and data:
        data = bytearray(data)
        for _ in range(draw(st.integers(1, 4))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        data = bytes(data)
    return data


# --- the property ------------------------------------------------------------------------------


def _totals(con) -> tuple[int, int, int, int]:
    return con.sql("select (select count(*) from source_files), (select count(*) from runs), "
                   "(select count(*) from rejects), (select count(*) from power_samples)").fetchall()[0]


class Harness:
    """One database and one folder per parser; each example is a new file in it."""

    def __init__(self, folder: Path, name: str):
        self.folder, self.name, self.count = folder, name, itertools.count(1)
        self.con = connect(":memory:")

    def ingest(self, data: bytes, suffix: str, **kwargs) -> None:
        path = self.folder / f"f{next(self.count):05d}{suffix}"
        path.write_bytes(data)
        before = _totals(self.con)
        try:
            summary = ingest_paths(self.con, [path], **kwargs)  # any exception but a refusal fails the test
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as err:  # a Rust panic in polars is a BaseException: make it shrinkable
            raise AssertionError(f"unexpected {type(err).__name__}: {err}") from err
        RUN_COUNT[self.name] = RUN_COUNT.get(self.name, 0) + 1
        assert len(summary.stored) + len(summary.refused) == 1
        if summary.refused:
            assert summary.refused[0].reason and path.name in str(summary.refused[0])
            assert _totals(self.con) == before, "part of a refused file was stored"
            return
        stored = summary.stored[0]
        if stored.already_ingested:  # the same bytes as an earlier example
            assert _totals(self.con) == before
            return
        file_id, fmt, records, loaded, rejected, folded = self.con.execute(
            "select source_file_id, format, records, rows_loaded, rows_rejected, folded_records "
            "from source_files where source_file_id = ?", [stored.source_file_id]).fetchall()[0]
        table = "power_samples" if fmt in ("nvidia-smi", "dcgm") else "runs"
        rows = self.con.execute(f"select count(*) from {table} where source_file_id = ?", [file_id]).fetchall()[0][0]  # table: a constant
        lines, problems, bad = self.con.execute(
            "select count(distinct line), count(*), count(*) filter (where line is null or line < 1 or reason is null) "
            "from rejects where source_file_id = ?", [file_id]).fetchall()[0]
        assert bad == 0, "a reject without line or reason"
        assert (loaded, rejected) == (rows, lines) == (stored.loaded, stored.rejected)
        assert records == loaded + rejected + folded, "records do not add up"
        files, runs, rejects, samples = _totals(self.con)
        assert (files, runs + samples, rejects) == (before[0] + 1, before[1] + before[3] + loaded, before[2] + problems)


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    made = {}

    def get(name: str, sidecars: dict[str, str] | None = None) -> Harness:
        if name not in made:
            folder = tmp_path_factory.mktemp(name)
            for file, content in (sidecars or {}).items():
                (folder / file).write_text(content)
            made[name] = Harness(folder, name)
        return made[name]

    yield get
    for h in made.values():
        h.con.close()


# --- one fuzzer per parser ---------------------------------------------------------------------


@FUZZ
@given(data=damaged(delimited_files()))
def test_canonical_csv(harness, data):
    harness("csv").ingest(data, ".csv")


@FUZZ
@given(data=st.binary(max_size=2048), suffix=st.sampled_from([".csv", ".ndjson", ".parquet", ".txt", ".prom", ""]))
def test_random_bytes_under_any_name(harness, data, suffix):
    harness("bytes").ingest(data, suffix)


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
              st.floats(allow_nan=True, allow_infinity=True), value),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(text, children, max_size=3),
    max_leaves=6,
)


@st.composite
def ndjson_files(draw):
    lines = []
    for _ in range(draw(st.integers(0, 10))):
        kind = draw(st.sampled_from(["object", "object", "object", "value", "text"]))
        if kind == "object":
            keys = draw(st.lists(column_names, max_size=8))
            if draw(st.booleans()):
                keys = ["run_id", "gpu_count", "gpu_hours", *keys]
            obj = "{" + ", ".join(f"{json.dumps(k)}: {json.dumps(draw(json_values), allow_nan=True)}" for k in keys) + "}"
            lines.append(obj)  # written by hand: keys may repeat
        elif kind == "value":
            lines.append(json.dumps(draw(json_values), allow_nan=True))
        else:
            lines.append(draw(text).replace("\n", " "))
    return "\n".join(lines).encode("utf-8") + b"\n"


@FUZZ
@given(data=damaged(ndjson_files()))
def test_ndjson(harness, data):
    harness("ndjson").ingest(data, ".ndjson")


parquet_columns = st.sampled_from([
    ("int", st.integers(-(2**63), 2**63 - 1), pl.Int64),
    ("uint", st.integers(0, 2**64 - 1), pl.UInt64),
    ("float", st.floats(allow_nan=True, allow_infinity=True), pl.Float64),
    ("text", st.one_of(value, text), pl.String),
    ("bool", st.booleans(), pl.Boolean),
    ("naive", st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)), pl.Datetime("us")),
    ("zoned", st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2200, 1, 1)), pl.Datetime("us", "Europe/Paris")),
    ("duration", st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=9999)), pl.Duration("us")),
])


@st.composite
def parquet_files(draw):
    height = draw(st.integers(0, 8))
    names = draw(st.lists(column_names.filter(bool), min_size=1, max_size=6, unique_by=lambda n: n.strip().lower()))
    if draw(st.booleans()):
        names = list(dict.fromkeys(["run_id", "gpu_count", "gpu_hours", *names]))
    columns = {}
    for name in names:
        _, values, dtype = draw(parquet_columns)
        raw = [draw(st.one_of(st.none(), values)) for _ in range(height)]
        if dtype == pl.Datetime("us", "Europe/Paris"):
            columns[name] = pl.Series(name, raw, dtype=pl.Datetime("us")).dt.replace_time_zone(
                "Europe/Paris", ambiguous="null", non_existent="null")
        else:
            columns[name] = pl.Series(name, raw, dtype=dtype)
    buf = io.BytesIO()
    pl.DataFrame(list(columns.values())).write_parquet(buf)
    return buf.getvalue()


@FUZZ
@given(data=damaged(parquet_files()))
def test_parquet(harness, data):
    harness("parquet").ingest(data, ".parquet")


SACCT_FIELDS = ["JobID", "JobName", "User", "Account", "Partition", "State", "Start", "End", "Elapsed", "ElapsedRaw",
                "NNodes", "AllocTRES", "NodeList"]
sacct_values = st.one_of(
    st.sampled_from(["100", "101", "100.batch", "100.0", "102_3", "102_[4-9%2]", "103+1", "1x", "", "Unknown", "None",
                     "COMPLETED", "CANCELLED by 12", "RUNNING", "a100", "h100", "cpu", "2024-10-01T10:00:00",
                     "2024-03-10T02:30:00", "2024-11-03T01:30:00", "02:00:00", "3-00:00:00", "7200", "99999999999999999999",
                     "cpu=8,gres/gpu=8,node=1", "gres/gpu:a100=4,gres/gpu:h100=2", "gres/gpu=99999999999999999999",
                     "billing=1", "a100-[001-004]", "None assigned"]),
    timestamps, numbers, text.map(lambda t: t.replace("|", "/")),
)


@st.composite
def sacct_files(draw):
    header = draw(st.booleans())
    fields = SACCT_FIELDS if header or draw(st.booleans()) else draw(st.permutations(SACCT_FIELDS))
    lines = ["|".join(fields)] if header else []
    for _ in range(draw(st.integers(1, 10))):
        n = len(fields) + draw(st.sampled_from([0, 0, 0, -2, 1]))
        lines.append("|".join(draw(sacct_values) for _ in range(max(n, 1))))
    return ("\n".join(lines) + "\n").encode("utf-8")


CLUSTER = ("cluster: fuzz\ntimezone: America/Chicago\npartitions:\n  a100: {gpu_model: A100-SXM4-80GB}\n"
           "  h100: {gpu_model: H100-SXM}\ngres_types:\n  a100: A100-SXM4-80GB\n")


@FUZZ
@given(data=damaged(sacct_files()))
def test_sacct(harness, data):
    harness("sacct", {"cluster.yaml": CLUSTER}).ingest(data, ".txt")


CODECARBON = ["timestamp", "project_name", "run_id", "duration", "emissions", "energy_consumed", "cpu_energy",
              "gpu_energy", "ram_energy", "gpu_count", "gpu_model", "country_iso_code", "cloud_provider", "cloud_region",
              "on_cloud", "pue", "codecarbon_version", "task_name"]
codecarbon_values = st.one_of(
    numbers, timestamps, text,
    st.sampled_from(["2024-10-02T17:12:00", "2024-10-02 17:12:00.123456", "8 x NVIDIA H100 80GB HBM3", "1 x A2 x B",
                     "FRA", "USA", "gcp", "europe-west1", "Y", "N", "1.0", "1.25", "3.3.0", "r1", "r2"]))


@FUZZ
@given(data=damaged(delimited_files(
    header_pool=st.sampled_from(CODECARBON), values=codecarbon_values, delimiters=st.just(","))),
    signature=st.booleans())
def test_codecarbon(harness, data, signature):
    if signature:  # make the header CodeCarbon's, whatever else it holds
        head = b"timestamp,project_name,run_id,duration,emissions,energy_consumed,"
        data = head + data.removeprefix(b"\xef\xbb\xbf")
    harness("codecarbon").ingest(data, ".csv")


MAPPING = ("name: fuzz\nrun_id_prefix: 'k8s:'\ncolumns:\n  run_id: uid\n  started_at: start_ms\n  ended_at: end_ms\n"
           "  gpu_count: gpus\n  avg_power_w: power_kw\n  measured_it_energy_kwh: energy_wh\n"
           "units:\n  started_at: epoch_ms\n  ended_at: epoch_ms\n  avg_power_w: kw_to_w\n  measured_it_energy_kwh: wh_to_kwh\n"
           "constants:\n  measured_energy_source: fuzz meter\n")
mapping_values = st.one_of(numbers, text, st.sampled_from(["1727772300000", "1727775900000", "-1e15", "1e300", "0.4"]))


@FUZZ
@given(data=damaged(delimited_files(
    header_pool=st.sampled_from(["uid", "start_ms", "end_ms", "gpus", "power_kw", "energy_wh", "other"]),
    values=mapping_values, delimiters=st.just(","))))
def test_mapping(harness, data):
    h = harness("mapping", {"mapping.yaml": MAPPING})
    h.ingest(data, ".csv", mapping=h.folder / "mapping.yaml")


smi_values = st.one_of(
    st.sampled_from(["2024/10/12 12:00:03.419", "2024/03/31 02:30:00.000", "2024/10/27 02:30:00.000", "1999/01/01 00:00:00",
                     "0", "1", "x", "99999999999", "GPU-3f9a1c2e-7b44-4d1a-9e0c-5a2b8c6d1e07", "[N/A]", "301.25 W",
                     "1e300 W", "-5 W", "nan W", "inf W", "[Not Supported]"]),
    numbers, text.map(lambda t: t.replace(",", ";")))


@st.composite
def nvidia_smi_files(draw):
    lines = ["timestamp, index, uuid, power.draw [W]"] if draw(st.booleans()) else []
    for _ in range(draw(st.integers(1, 10))):
        if draw(st.integers(0, 9)) == 0:
            lines.append("timestamp, index, uuid, power.draw [W]")
            continue
        n = 4 + draw(st.sampled_from([0, 0, 0, -1, 1]))
        lines.append(", ".join(draw(smi_values) for _ in range(n)))
    if not lines[0].startswith("timestamp"):  # make it detectable as nvidia-smi (csv,noheader)
        lines.insert(0, "2024/10/12 12:00:03.419, 0, GPU-3f9a1c2e-7b44-4d1a-9e0c-5a2b8c6d1e07, 301.25 W")
    return ("\n".join(lines) + "\n").encode("utf-8")


@FUZZ
@given(data=damaged(nvidia_smi_files()))
def test_nvidia_smi(harness, data):
    harness("nvidia-smi", {"telemetry.yaml": "timezone: Europe/Berlin\n"}).ingest(data, ".csv")


dcgm_labels = st.one_of(
    st.sampled_from(['gpu="0",UUID="GPU-1",Hostname="h1"', 'gpu="1",Hostname="h1"', 'gpu="x",Hostname="h"', 'gpu="0"',
                     'gpu="0",Hostname="h\\"q",x="a,b"', 'bad', 'gpu="0",Hostname="h",', '']),
    text.map(lambda t: t.replace("}", "").replace("\n", "")))
dcgm_numbers = st.one_of(numbers, st.sampled_from(["1729827120212", "99999999999999999999", "9223372036854775807",
                                                   "-1", "946684800000", "4102444800000"]))


@st.composite
def dcgm_files(draw):
    lines = ["# HELP DCGM_FI_DEV_POWER_USAGE Power draw (in W)."]
    for _ in range(draw(st.integers(1, 10))):
        kind = draw(st.sampled_from(["sample", "sample", "sample", "marker", "other"]))
        if kind == "sample":
            metric = draw(st.sampled_from(["DCGM_FI_DEV_POWER_USAGE", "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION",
                                           "DCGM_FI_DEV_GPU_TEMP"]))
            ts = draw(st.one_of(st.just(""), dcgm_numbers))
            lines.append(f"{metric}{{{draw(dcgm_labels)}}} {draw(dcgm_numbers)} {ts}".rstrip())
        elif kind == "marker":
            lines.append(f"# scraped_at {draw(st.one_of(timestamps, dcgm_numbers))}")
        else:
            lines.append(draw(text).replace("\n", " "))
    return ("\n".join(lines) + "\n").encode("utf-8")


@FUZZ
@given(data=damaged(dcgm_files()))
def test_dcgm(harness, data):
    harness("dcgm").ingest(data, ".prom")


# --- issue 17's variants: fields in any order without a time zone, dmon, sacct by TAB and by width ---

SMI_FIELDS = ["timestamp", "index", "uuid", "power.draw [W]", "power.draw.average [W]", "name", "utilization.gpu [%]"]
smi_iso = st.one_of(smi_values, timestamps, st.sampled_from(["2026-12-05T02:25:27.233+08:00", "2026-12-04T18:25:27Z",
                                                             "2026-12-04 18:25:27+0800", "2026/12/04T18:25:27-05"]))


@st.composite
def nvidia_smi_any_order(draw):
    fields = draw(st.lists(st.sampled_from(SMI_FIELDS), min_size=1, max_size=6, unique=True))
    if "timestamp" not in fields:
        fields.insert(draw(st.integers(0, len(fields))), "timestamp")
    lines = [", ".join(fields)]
    for _ in range(draw(st.integers(1, 10))):
        n = len(fields) + draw(st.sampled_from([0, 0, 0, -1, 1]))
        lines.append(", ".join(draw(smi_iso) for _ in range(max(n, 1))))
    return ("\n".join(lines) + "\n").encode("utf-8")


@FUZZ
@given(data=damaged(nvidia_smi_any_order()))
def test_nvidia_smi_any_order_without_a_time_zone(harness, data):
    harness("nvidia-smi-no-zone").ingest(data, ".csv")


DMON_NAMES = ["Date", "Time", "gpu", "pwr", "gtemp", "sm"]
dmon_values = st.one_of(st.sampled_from(["20241012", "20241312", "12:00:03", "25:00:00", "0", "1", "x", "-", "87", "1e9"]),
                        numbers, text.map(lambda t: t.replace(" ", "_").replace("\n", "_").replace(",", "_")))


@st.composite
def dmon_files(draw):
    names = draw(st.lists(st.sampled_from(DMON_NAMES), min_size=1, max_size=6, unique=True))
    sep = draw(st.sampled_from(["  ", ", "]))
    lines = ["#" + sep.join(names), "#" + sep.join("x" for _ in names)]
    for _ in range(draw(st.integers(1, 10))):
        if draw(st.integers(0, 9)) == 0:
            lines.append("#" + sep.join(names))
            continue
        n = len(names) + draw(st.sampled_from([0, 0, 0, -1, 1]))
        lines.append(" " + sep.join(draw(dmon_values) for _ in range(max(n, 1))))
    return ("\n".join(lines) + "\n").encode("utf-8")


@FUZZ
@given(data=damaged(dmon_files()))
def test_dmon(harness, data):
    harness("dmon", {"telemetry.yaml": "timezone: Europe/Berlin\n"}).ingest(data, ".txt")


@st.composite
def sacct_tab_or_fixed(draw):
    fields = draw(st.lists(st.sampled_from(SACCT_FIELDS), min_size=1, max_size=13, unique=True))
    rows = [[draw(sacct_values).replace("\t", " ").replace("\n", " ") for _ in fields]
            for _ in range(draw(st.integers(1, 8)))]
    if draw(st.booleans()):
        return ("\n".join("\t".join(r) for r in [fields, *rows]) + "\n").encode("utf-8")
    widths = [draw(st.integers(1, 24)) for _ in fields]

    def cell(v: str, w: int) -> str:
        return v.rjust(w) if len(v) <= w else v[: w - 1] + "+"

    lines = [" ".join(cell(f, w) for f, w in zip(fields, widths)), " ".join("-" * w for w in widths)]
    lines += [" ".join(cell(v, w) for v, w in zip(r, widths)) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


@FUZZ
@given(data=damaged(sacct_tab_or_fixed()))
def test_sacct_tab_and_fixed_width(harness, data):
    harness("sacct-variants", {"cluster.yaml": CLUSTER}).ingest(data, ".txt")


def test_examples_were_run():
    """Every fuzzer ran its examples (this test runs after them, in file order)."""
    if len(RUN_COUNT) < 12:
        pytest.skip("run the whole module to count the examples")
    assert all(n >= EXAMPLES for n in RUN_COUNT.values()), RUN_COUNT
    print(f"fuzzing examples ingested: {RUN_COUNT} (total {sum(RUN_COUNT.values())})")
