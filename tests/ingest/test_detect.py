"""Format detection from the header, telemetry refusal, folders of mixed formats."""

import shutil

import polars as pl
import pytest

from conftest import EXAMPLES, HEADER
from wattledger.ingest import FileRefused, detect, detect_format, discover
from wattledger.pipeline import ingest_paths, parse_run_log
from wattledger.ingest.detect import EXPECTED, FORMATS

SACCT = "JobID|JobName|Partition|State|Start|End|AllocTRES|NodeList\n"
SMI = "timestamp, index, uuid, power.draw [W]\n2024/10/03 14:05:11.123, 0, GPU-5a1c2b9e-0f3d-4e1a-9c7b-1d2e3f4a5b6c, 301.25 W\n"
DCGM = ('# HELP DCGM_FI_DEV_POWER_USAGE Power draw (in W).\n# TYPE DCGM_FI_DEV_POWER_USAGE gauge\n'
        'DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-5a1c",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="hgx-017"} 312.45\n')  # fmt: skip


@pytest.mark.parametrize(
    "name, head, expected",
    [
        ("runs.csv", HEADER + "\n", "canonical"),
        ("runs.txt", "run_id,started_at,ended_at,gpu_count\n", "canonical"),
        ("runs.ndjson", '{"run_id": "a"}\n', "canonical"),
        ("runs", '\n{"run_id": "a"}\n', "canonical"),
        ("jobs.txt", SACCT, "sacct"),
        ("jobs.csv", "\ufeff" + SACCT.lower(), "sacct"),
        ("jobs.out", "4102328|x|a|b|gpu|COMPLETED|2024-10-01T13:38:00|2024-10-01T15:12:56\n", "sacct"),
        ("jobs.out", "4102697_[7-10%2]|x|a|b|gpu|PENDING|Unknown|Unknown\n", "sacct"),
        ("emissions.csv", "timestamp,project_name,run_id,duration,emissions,energy_consumed,country_iso_code\n", "codecarbon"),
        ("old.csv", "timestamp,experiment_id,project_name,duration,emissions,energy_consumed\n", "codecarbon"),
        ("power.csv", SMI, "nvidia-smi"),
        ("power.log", SMI.split("\n", 1)[1], "nvidia-smi"),
        ("metrics.prom", DCGM, "dcgm"),
        ("scrape", "# HELP up x\n" + DCGM, "dcgm"),
    ],
)
def test_format_is_detected_from_the_header(tmp_path, name, head, expected):
    assert detect_format(tmp_path / name, head.encode()) == expected


def test_every_shipped_example_is_detected():
    seen = {}
    for f in discover([EXAMPLES / "slurm", EXAMPLES / "codecarbon", EXAMPLES / "cluster_logs", EXAMPLES / "public_runs.csv"]):
        seen[f.name] = detect(f, f.read_bytes()[:65536]).format
    assert seen["sacct_2024-10.txt"] == seen["sacct_2024-11-04_noheader.out"] == "sacct"
    assert seen["emissions.csv"] == "codecarbon" and seen["public_runs.csv"] == "canonical"
    assert seen["gcp_runs_2024-10.parquet"] == "canonical"


@pytest.mark.parametrize("name", ["notes.txt", "noext", "data.log"])
def test_unrecognised_file_is_refused_listing_every_expected_format(tmp_path, name):
    with pytest.raises(FileRefused) as err:
        detect(tmp_path / name, b"hello,world\n1,2\n")
    msg = str(err.value)
    assert name in msg and ("unknown file type" in msg or "without suffix" in msg)
    assert all(f"{fmt}:" in msg for fmt in FORMATS) and "--mapping" in msg
    assert EXPECTED["sacct"] in msg


def test_csv_matching_no_format_gets_the_canonical_message_and_the_alternatives(write):
    with pytest.raises(FileRefused, match=r"missing required column\(s\): run_id.*Slurm `sacct --parsable2`.*CodeCarbon"):
        parse_run_log(write("x.csv", "team,gpu_count\nx,1\n"))


@pytest.mark.parametrize("name, text, fmt", [("power.csv", SMI, "nvidia-smi"), ("dcgm.prom", DCGM, "dcgm")])
def test_telemetry_files_are_not_run_logs(write, name, text, fmt):
    with pytest.raises(FileRefused, match=f"{fmt} power telemetry .*telemetry files are not run logs"):
        parse_run_log(write(name, text))


def test_folders_read_sacct_text_files_by_content_only(write):
    write("logs/jobs.txt", SACCT)
    write("logs/train.log", "epoch 1 loss 2.3\n")
    write("logs/cluster.yaml", "cluster: c\ntimezone: UTC\n")
    write("logs/README.md", "# notes\n")
    write("logs/runs.csv", HEADER + "\n")
    found = [p.name for p in discover([write("logs/power.csv", SMI).parent])]
    assert found == ["jobs.txt", "power.csv", "runs.csv"]


def test_canonical_reader_sets_source_format_and_ignores_the_files_own(write):
    p = parse_run_log(write("runs.csv", "run_id,gpu_count,gpu_hours,source_format\na,1,2,sacct\n"))
    assert pl.from_arrow(p.runs)["source_format"].to_list() == ["canonical"]
    assert p.ignored_columns == ["source_format"] and p.format == "csv"


def test_mixed_folder_ingested_twice_adds_nothing_the_second_time(con, tmp_path, write):
    mixed = tmp_path / "mixed"
    shutil.copytree(EXAMPLES / "slurm", mixed / "slurm")
    shutil.copytree(EXAMPLES / "codecarbon" / "hgx-par", mixed / "hgx-par")
    shutil.copy(EXAMPLES / "public_runs.csv", mixed / "public_runs.csv")
    write("mixed/power/gpu0.csv", SMI)
    first = ingest_paths(con, [mixed])
    formats = sorted(s.format for s in first.stored)
    assert formats == ["codecarbon", "csv", "sacct", "sacct"]
    assert len(first.refused) == 1 and "telemetry" in str(first.refused[0])
    counts = con.sql("select (select count(*) from runs), (select count(*) from rejects), (select count(*) from source_files)").fetchall()
    assert first.loaded == 66 + 9 + 9 and counts == [(first.loaded, 3, 4)]  # sacct: 10 CPU jobs accounted
    again = ingest_paths(con, [mixed])
    assert again.loaded == 0 and all(s.already_ingested for s in again.stored)
    assert con.sql("select (select count(*) from runs), (select count(*) from rejects), (select count(*) from source_files)").fetchall() == counts
    by_format = dict(con.sql("select source_format, count(*) from runs group by all").fetchall())
    assert by_format == {"sacct": 66, "codecarbon": 9, "canonical": 9}


# --- issue 15, item 3: one line never changes what a file is ----------------------------------

CANON = "run_id,team,started_at,ended_at,gpu_model,gpu_count"
REC = ",vision,2024-10-01T00:00:00Z,2024-10-01T01:00:00Z,H100-SXM,8\n"


@pytest.mark.parametrize(
    "name, text",
    [
        ("runs.csv", f"{CANON}\nDCGM_FI_DEV_POWER_USAGE{{gpu=0}} 300{REC}"),  # the first record's run_id
        ("runs.csv", f"{CANON}\nok1{REC}DCGM_FI_DEV_POWER_USAGE 300{REC}"),  # a later record's run_id
        ("runs.csv", f'{CANON}\nok1{REC}"x\nDCGM_FI_DEV_POWER_USAGE 300\n# TYPE DCGM_FI_DEV_POWER_USAGE gauge"{REC}'),
        ("runs", f"{CANON}\n# HELP DCGM_FI_DEV_POWER_USAGE x{REC}"),
        ("runs.csv", f"{CANON},power.draw.avg\nok1{REC.rstrip()},301\n"),
        ("runs.csv", f"{CANON},power.draw [W]\nok1{REC.rstrip()},301\n"),
        ("runs.csv", f"timestamp,project_name,run_id,duration,emissions,energy_consumed,started_at,ended_at,gpu_count\n"),
        ("runs.csv", "run_id,gpu_hours,gpu_count,note|jobid\nr1,1,1,x\n"),
    ],
)
def test_a_canonical_header_stays_canonical_whatever_its_extra_columns_or_later_lines(tmp_path, name, text):
    found = detect(tmp_path / name, text.encode())
    assert (found.format, found.container) == ("canonical", "csv")


def test_canonical_parquet_with_other_formats_columns_stays_canonical(tmp_path):
    path = tmp_path / "runs.parquet"
    pl.DataFrame({"run_id": ["a"], "gpu_count": [8], "gpu_hours": [1.0], "power.draw [W]": [300.0],
                  "timestamp": ["x"], "project_name": ["p"], "duration": [1.0], "emissions": [1.0],
                  "energy_consumed": [1.0]}).write_parquet(path)
    assert detect_format(path, path.read_bytes()[:65536]) == "canonical"


@pytest.mark.parametrize(
    "text, expected",
    [
        (DCGM, "dcgm"),
        ("# scraped_at 2024-10-25T03:32:00Z\n# HELP DCGM_FI_DEV_GPU_TEMP t\nDCGM_FI_DEV_GPU_TEMP{gpu=\"0\"} 35\n" + DCGM, "dcgm"),
        ('DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-1"} 300.5 1729827120212\n', "dcgm"),
        ("# HELP DCGM_FI_DEV_POWER_USAGE Power draw (in W).\n", "dcgm"),  # comments only so far
        ("\n\n# a comment\n" + DCGM, "dcgm"),
        ("# HELP up x\nup 1\n" + DCGM, None),  # the first sample is not DCGM's and nothing said DCGM before it
        ("hello,world\n" + DCGM, None),
    ],
)
def test_dcgm_is_told_from_its_first_non_comment_lines(tmp_path, text, expected):
    if expected is None:
        with pytest.raises(FileRefused):
            detect(tmp_path / "scrape", text.encode())
    else:
        assert detect_format(tmp_path / "scrape", text.encode()) == expected


def test_other_formats_are_detected_when_the_canonical_columns_are_absent(tmp_path):
    cc = "timestamp,project_name,run_id,duration,emissions,energy_consumed,gpu_count\n"
    assert detect_format(tmp_path / "emissions.csv", cc.encode()) == "codecarbon"
    assert detect_format(tmp_path / "power.csv", SMI.encode()) == "nvidia-smi"
    assert detect_format(tmp_path / "jobs.txt", SACCT.encode()) == "sacct"
