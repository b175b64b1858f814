"""Slurm sacct adapter: steps folded, arrays, multi-node TRES, running jobs, time zones, rejects."""

from datetime import datetime, timezone

import polars as pl
import pytest

from conftest import EXAMPLES
from wattledger.ingest import FileRefused
from wattledger.pipeline import ingest_paths, parse_run_log

HEAD = "JobID|JobName|User|Account|Partition|State|Start|End|Elapsed|ElapsedRaw|NNodes|AllocTRES|NodeList"
CLUSTER = """\
cluster: testc
timezone: America/Chicago
datacenter: tx-colo-2
partitions:
  a100: {gpu_model: A100-SXM4-80GB}
  h100: {gpu_model: H100-SXM}
  mixed: {datacenter: mixed-dc}
nodes:
  - glob: "hgx-*"
    gpu_model: H200-SXM
gres_types:
  l40s: L40S
"""
TRES8 = "billing=128,cpu=128,gres/gpu:a100=8,gres/gpu=8,mem=1000G,node=1"


@pytest.fixture
def sacct(write):
    """sacct(lines, cluster=CLUSTER, name='jobs.txt', header=True) -> Path, with cluster.yaml beside it."""

    def _sacct(lines, cluster=CLUSTER, name="jobs.txt", header=True):
        if cluster is not None:
            write("cluster.yaml", cluster)
        return write(name, "\n".join(([HEAD] if header else []) + lines) + "\n")

    return _sacct


def runs(parsed):
    return pl.from_arrow(parsed.runs).sort("source_line")


def problems(parsed):
    return parsed.problems.select("line", "column_name", "value", "reason").rows()


def job(jobid, state="COMPLETED", start="2024-10-03T14:05:11", end="2024-10-03T16:05:11", tres=TRES8,
        nodes="a100-001", part="a100", name="train", account="vision", nnodes=1):  # fmt: skip
    return f"{jobid}|{name}|alice|{account}|{part}|{state}|{start}|{end}|02:00:00|7200|{nnodes}|{tres}|{nodes}"


def step(jobid, name="batch", tres="cpu=128,gres/gpu:a100=8,gres/gpu=8,mem=1000G,node=1"):
    return f"{jobid}|{name}||vision||COMPLETED|2024-10-03T14:05:11|2024-10-03T16:05:11|02:00:00|7200|1|{tres}|a100-001"


def test_job_steps_fold_into_their_job_without_double_counting(sacct):
    p = parse_run_log(sacct([job("100"), step("100.batch"), step("100.extern", "extern", TRES8), step("100.0", "python"),
                             job("101", tres="cpu=8,gres/gpu=2,mem=10G,node=1")]))  # fmt: skip
    got = runs(p)
    assert got["run_id"].to_list() == ["slurm:testc:100", "slurm:testc:101"]
    assert got["gpu_count"].to_list() == [8, 2]
    assert got["gpu_hours"].to_list() == pytest.approx([16.0, 4.0])  # 8 GPUs x 2 h, not 4 x that
    assert (p.records, p.runs.num_rows, p.rejected_rows, p.folded_records) == (5, 2, 0, 3)
    assert got["source_line"].to_list() == [2, 6]


def test_multi_node_and_typed_tres(sacct):
    four_nodes = "billing=512,cpu=512,gres/gpu:a100=32,gres/gpu=32,mem=4000G,node=4"
    got = runs(parse_run_log(sacct([
        job("200", tres=four_nodes, nodes="a100-[001-004]", nnodes=4),
        job("201", tres="cpu=16,gres/gpu:l40s=2,mem=20G,node=1", part="mixed", nodes="l40s-01"),
        job("202", tres="cpu=16,gres/gpu:a100=2,gres/gpu:h100=4,mem=20G,node=2", part="h100", nodes="gpu[1-2]"),
    ])))  # fmt: skip
    assert got["gpu_count"].to_list() == [32, 2, 6]  # job total; typed only; two types summed
    assert got["hosts"].to_list() == ["a100-[001-004]", "l40s-01", "gpu[1-2]"]
    # model: gres type (one type) for 201; partition for 202 (two types: no gres model)
    assert got["gpu_model"].to_list() == ["A100-SXM4-80GB", "L40S", "H100-SXM"]
    assert got["datacenter"].to_list() == ["tx-colo-2", "mixed-dc", "tx-colo-2"]


def test_node_rules_come_first(sacct):
    got = runs(parse_run_log(sacct([job("300", part="h100", nodes="hgx-017"), job("301", part="h100", nodes="h100-001")])))
    assert got["gpu_model"].to_list() == ["H200-SXM", "H100-SXM"]


def test_array_tasks_are_runs_and_pending_tasks_are_rejected(sacct):
    p = parse_run_log(sacct([
        job("400_1"), step("400_1.batch"), job("400_2"), step("400_2.batch"),
        "400_[3-8%2]|train|alice|vision|a100|PENDING|Unknown|Unknown|00:00:00|0|1||None assigned",
    ]))  # fmt: skip
    assert runs(p)["run_id"].to_list() == ["slurm:testc:400_1", "slurm:testc:400_2"]
    assert problems(p) == [(6, "Start", "Unknown", "job never started (Start=Unknown): no GPU time to account")]
    assert p.records == p.runs.num_rows + p.rejected_rows + p.folded_records


def test_running_and_pending_jobs_are_rejected_not_guessed(sacct):
    p = parse_run_log(sacct([
        job("500", state="RUNNING", end="Unknown"), step("500.batch"),
        job("501", state="RUNNING", end="None"),  # Slurm 23.11+ writes None
        "502|train|alice|vision|a100|PENDING|None|None|00:00:00|0|2||None assigned",
        job("503", state="CANCELLED by 51234", start="None", end="2024-10-03T16:05:11", tres="", nodes="None assigned"),
        job("504"),
    ]))  # fmt: skip
    assert problems(p) == [
        (2, "End", "Unknown", "job still running (End=Unknown): not accounted until it ends"),
        (4, "End", "None", "job still running (End=None): not accounted until it ends"),
        (5, "Start", "None", "job never started (Start=None): no GPU time to account"),
        (6, "Start", "None", "job never started (Start=None): no GPU time to account"),
    ]
    assert p.problems["detail"].to_list()[:2] == ["State RUNNING", "State RUNNING"]
    assert runs(p)["run_id"].to_list() == ["slurm:testc:504"]
    assert (p.records, p.runs.num_rows + p.rejected_rows + p.folded_records) == (6, 6)


def test_states_are_kept_without_the_cancelling_uid(sacct):
    states = ["COMPLETED", "FAILED", "CANCELLED by 12345", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL"]
    got = runs(parse_run_log(sacct([job(str(600 + i), state=s) for i, s in enumerate(states)])))
    assert got["job_state"].to_list() == ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL"]


def test_local_times_are_converted_with_the_cluster_timezone(sacct):
    p = parse_run_log(sacct([
        job("700"),  # CDT, UTC-5
        job("701", start="2024-12-03T14:05:11", end="2024-12-03T16:05:11"),  # CST, UTC-6
        # daylight saving ends 2024-11-03 02:00 CDT: 01:40 (first) .. 01:30 (second) is 50 minutes
        "702|x|alice|vision|a100|COMPLETED|2024-11-03T01:40:00|2024-11-03T01:30:00|00:50:00|3000|1|" + TRES8 + "|a100-001",
        # 2024-03-10 02:30 does not exist in Chicago (clocks jump 02:00 -> 03:00)
        job("703", start="2024-03-10T02:30:00", end="2024-03-10T04:00:00"),
    ]))  # fmt: skip
    got = runs(p)
    utc = timezone.utc
    assert got["started_at"].to_list() == [datetime(2024, 10, 3, 19, 5, 11, tzinfo=utc), datetime(2024, 12, 3, 20, 5, 11, tzinfo=utc),
                                           datetime(2024, 11, 3, 6, 40, tzinfo=utc)]  # fmt: skip
    assert got["ended_at"][2] == datetime(2024, 11, 3, 7, 30, tzinfo=utc)
    assert got["gpu_hours"][2] == pytest.approx(8 * 50 / 60)
    assert problems(p) == [(5, "Start", "2024-03-10T02:30:00", "not a valid local time in America/Chicago (skipped by a daylight-saving change)")]


def test_malformed_lines_name_the_file_line_and_column(sacct):
    p = parse_run_log(sacct([
        job("800"),
        "801|train|alice|vision|a100|COMPLETED|2024-10-03T14:05:11",  # truncated line
        job("802", start="03/10/2024 14:05"),
        job("803", start="2024-10-03T18:00:00"),  # ends before it starts
        job("8x4"),
        job("805", tres="billing=8,cpu=8,mem=10G,node=1", part="cpu", nodes="cpu-001"),  # a CPU job: accounted
        job("809", tres="billing=8,node=1", part="cpu", nodes="cpu-001"),  # neither GPUs nor CPUs
        "806.batch|batch||vision||COMPLETED|2024-10-03T14:05:11|2024-10-03T16:05:11|02:00:00|7200|1|" + TRES8 + "|a100-001",
        job('807', name='say "hi"'),  # sacct never quotes: a double quote is an ordinary character
    ]))  # fmt: skip
    assert problems(p) == [
        (3, None, "801|train|alice|vision|a100|COMPLETED|2024-10-03T14:05:11", "wrong number of fields"),
        (4, "Start", "03/10/2024 14:05", "not a sacct timestamp (YYYY-MM-DDThh:mm:ss)"),
        (5, "End", "2024-10-03T21:05:11+00:00", "ended_at is before started_at"),
        (6, "JobID", "8x4", "not a Slurm job id"),
        (8, "AllocTRES", "billing=8,node=1", "no GPU and no cpu= in AllocTRES (nor NCPUS): nothing allocated to account"),
        (9, "JobID", "806.batch", "job step without its job line: the job's allocation is unknown"),
    ]
    assert p.problems.filter(pl.col("line") == 5)["detail"].to_list() == ["started_at 2024-10-03T23:00:00+00:00; mapped to ended_at"]
    assert runs(p)["name"].to_list() == ["train", "train", 'say "hi"']  # 800, the CPU job 805, 807


def test_requeued_attempts_listed_by_sacct_duplicates_get_numbered(sacct):
    got = runs(parse_run_log(sacct([
        job("900", state="REQUEUED", start="2024-10-03T10:00:00", end="2024-10-03T11:00:00"),
        job("900", state="COMPLETED"),
    ])))  # fmt: skip
    assert got["run_id"].to_list() == ["slurm:testc:900#1", "slurm:testc:900"]
    assert got["job_state"].to_list() == ["REQUEUED", "COMPLETED"]


def test_headerless_and_trailing_delimiter_files(sacct, write):
    p = parse_run_log(sacct([job("1000"), step("1000.batch")], name="noheader.out", header=False))
    assert runs(p)["run_id"].to_list() == ["slurm:testc:1000"] and p.folded_records == 1
    assert "no header" in p.detected
    # sacct --parsable ends every line with a |
    q = parse_run_log(write("parsable.txt", HEAD + "|\n" + job("1001") + "|\n"))
    assert runs(q)["gpu_count"].to_list() == [8]
    # a subset of fields without header, declared in the cluster file
    subset = CLUSTER + "sacct_fields: [JobID, Partition, Start, End, AllocTRES]\n"
    r = parse_run_log(sacct(["1002|a100|2024-10-03T14:05:11|2024-10-03T15:05:11|gres/gpu=4"], cluster=subset, name="sub.out", header=False))
    assert runs(r)["gpu_hours"].to_list() == [4.0]


def test_file_level_refusals(sacct, write, tmp_path):
    with pytest.raises(FileRefused, match="headerless sacct output with 5 fields; expected the 13 fields"):
        parse_run_log(sacct(["1100|a100|2024-10-03T14:05:11|2024-10-03T15:05:11|gres/gpu=4"], name="short.out", header=False))
    with pytest.raises(FileRefused, match=r"without the field\(s\) AllocTRES"):
        parse_run_log(sacct(["JobID|Start|End", "1|2024-10-03T14:05:11|2024-10-03T15:05:11"], name="few.txt", header=False))
    with pytest.raises(FileRefused, match=r"partition\(s\) gpu-x .*first: JobID 1102, line 3.*cluster.yaml"):
        parse_run_log(sacct([job("1101"), job("1102", part="gpu-x", nodes="x-001")]))
    lone = tmp_path / "alone"
    lone.mkdir()
    (lone / "jobs.txt").write_text(HEAD + "\n" + job("1103") + "\n")
    with pytest.raises(FileRefused, match="needs a cluster file"):
        parse_run_log(lone / "jobs.txt")


@pytest.mark.parametrize(
    "cluster, message",
    [
        ("cluster: c\ntimezone: Mars/Olympus\n", "timezone: 'Mars/Olympus' is not an IANA time zone"),
        ("cluster: c\ntimezone: UTC\npartitons: {}\n", "partitons: unknown key"),
        ("timezone: UTC\n", "cluster: required key missing"),
        ("cluster: c\ntimezone: UTC\nnodes: [{gpu_model: X}]\n", "nodes.0: give exactly one of glob or regex"),
        ("cluster: c\ntimezone: [UTC\n", "not valid YAML"),
    ],
)
def test_invalid_cluster_file_is_refused_naming_file_and_key(sacct, cluster, message):
    with pytest.raises(FileRefused, match="cluster.yaml") as err:
        parse_run_log(sacct([job("1")], cluster=cluster))
    assert message in str(err.value)


def test_explicit_cluster_file_and_folder_ingest(con, write, tmp_path):
    other = write("conf/bluebonnet.yaml", CLUSTER.replace("testc", "bb"))
    data = write("dump/jobs.log", HEAD + "\n" + job("1200") + "\n")
    s = ingest_paths(con, [data], cluster=other)
    assert s.loaded == 1 and con.sql("select run_id, source_format from runs").fetchall() == [("slurm:bb:1200", "sacct")]


def test_example_exports_load(con):
    s = ingest_paths(con, [EXAMPLES / "slurm"])
    assert not s.refused and [x.format for x in s.stored] == ["sacct", "sacct"]
    assert (s.loaded, s.rejected) == (66, 3)  # the 10 CPU jobs of the cpu partition are accounted
    states = dict(con.sql("select job_state, count(*) from runs group by all").fetchall())
    assert {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY"} <= set(states)
    reasons = dict(con.sql("select reason, count(*) from rejects group by all").fetchall())
    assert reasons["job still running (End=Unknown): not accounted until it ends"] == 1


def test_cpu_jobs_are_accounted_with_cores_memory_and_the_partitions_cpu_model(sacct):
    cluster = CLUSTER.replace("  mixed: {datacenter: mixed-dc}", "  mixed: {datacenter: mixed-dc}\n  cpu: {cpu_model: AMD EPYC 7763}")
    p = parse_run_log(sacct([
        job("900", tres="billing=64,cpu=64,mem=250G,node=1", part="cpu", nodes="cpu-001"),
        job("901", tres="cpu=4,mem=16000M,node=1", part="cpu", nodes="cpu-002"),
        job("902", tres="cpu=2,mem=1T,node=1", part="mixed", nodes="cpu-003"),
        job("903"),  # a GPU job: its host CPUs and memory come with it
    ], cluster=cluster))
    got = runs(p).select("run_id", "gpu_count", "gpu_hours", "gpu_hours_basis", "gpu_model", "cpu_model", "cpu_cores", "ram_gb")
    assert got.rows() == [
        ("slurm:testc:900", 0, 0.0, "no_gpu", None, "AMD EPYC 7763", 64.0, pytest.approx(250 * 2**30 / 1e9)),
        ("slurm:testc:901", 0, 0.0, "no_gpu", None, "AMD EPYC 7763", 4.0, pytest.approx(16000 * 2**20 / 1e9)),
        ("slurm:testc:902", 0, 0.0, "no_gpu", None, None, 2.0, pytest.approx(2**40 / 1e9)),
        ("slurm:testc:903", 8, 16.0, "timestamps", "A100-SXM4-80GB", None, 128.0, pytest.approx(1000 * 2**30 / 1e9)),
    ]
    assert problems(p) == []


def test_ncpus_gives_the_cores_when_alloctres_has_no_cpu(sacct):
    head = HEAD + "|NCPUS"
    lines = [job("910", tres="billing=1,node=1", part="cpu", nodes="cpu-001") + "|16"]
    p = parse_run_log(sacct([head] + lines, header=False))
    assert runs(p).select("cpu_cores", "gpu_hours_basis").rows() == [(16.0, "no_gpu")]


def test_threads_per_core_of_the_cluster_file_turn_cpus_into_cores(sacct):
    cluster = CLUSTER.replace("  h100: {gpu_model: H100-SXM}", "  h100: {gpu_model: H100-SXM, cpu_threads_per_core: 2}")
    tres = "billing=224,cpu=224,gres/gpu:h100=8,gres/gpu=8,mem=2000G,node=1"
    p = parse_run_log(sacct([job("920", tres=tres, part="h100", nodes="h100-001"), job("921")], cluster=cluster))
    assert runs(p)["cpu_cores"].to_list() == [112.0, 128.0]  # SMT threads halved; no setting: as counted
