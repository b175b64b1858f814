"""sacct exports as people save them (issue 17): TAB- and other single-character-delimited,
`--format=ALL`-wide, and fixed-width (sacct without -P) — read to the same runs as the '|'
export, or refused with the command to re-export."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from conftest import EXAMPLES
from flows.cli import app
from wattledger.ingest import detect
from wattledger.ingest.adapters.sacct_fixed import SACCT_EXPORT_COMMAND
from wattledger.store import connect

PIPE = EXAMPLES / "slurm" / "sacct_2024-10.txt"


def cli(*args):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def runs_of(tmp_path: Path, name: str, text: str, *, exit_code: int = 0) -> list[tuple]:
    """Ingest ``text`` as a sacct file beside the example cluster file; the stored runs."""
    d = tmp_path / name
    d.mkdir()
    shutil.copy(EXAMPLES / "slurm" / "cluster.yaml", d / "cluster.yaml")
    (d / "sacct.txt").write_text(text, encoding="utf-8")
    db = tmp_path / f"{name}.duckdb"
    result = cli("ingest", d / "sacct.txt", "--db", db)
    assert result.exit_code == exit_code, result.output
    con = connect(db, read_only=True)
    try:
        return con.sql("select run_id, started_at, ended_at, gpu_model, gpu_count, gpu_hours, hosts, job_state "
                       "from runs order by run_id").fetchall()
    finally:
        con.close()


def pipe_lines() -> list[list[str]]:
    return [line.split("|") for line in PIPE.read_text(encoding="utf-8").splitlines() if line]


def test_tab_and_other_delimiters_give_the_runs_of_the_pipe_export(tmp_path):
    want = runs_of(tmp_path, "pipe", PIPE.read_text(encoding="utf-8"))
    assert len(want) > 10
    for name, sep in (("tab", "\t"), ("semicolon", ";"), ("hash", "#")):
        text = "\n".join(sep.join(fields) for fields in pipe_lines()) + "\n"
        assert detect(Path("x.txt"), text.encode()).delimiter == sep
        assert runs_of(tmp_path, name, text) == want, name


def test_a_format_all_export_with_tabs_is_read(tmp_path):
    """`sacct --format=ALL --delimiter=$'\\t' -P`: dozens of fields, the ones needed among them."""
    rows = pipe_lines()
    extra = ["Account2", "AdminComment", "AllocCPUS", "AveCPU", "TRESUsageInAve", "WorkDir"]
    text = "\n".join(["\t".join(extra + rows[0])] + ["\t".join([""] * len(extra) + r) for r in rows[1:]]) + "\n"
    assert runs_of(tmp_path, "all", text) == runs_of(tmp_path, "pipe", PIPE.read_text(encoding="utf-8"))


def fixed_width(rows: list[list[str]], widths: dict[str, int]) -> str:
    """sacct's fixed-width rendering (`--format=Field%width,...`): right-aligned cells, a value
    longer than its column cut with '+' in its last position, a dashes line under the header."""
    names = rows[0]
    w = [widths.get(n, 10) for n in names]

    def cell(value: str, width: int) -> str:
        return value.rjust(width) if len(value) <= width else value[: width - 1] + "+"

    lines = [" ".join(cell(n, k) for n, k in zip(names, w, strict=True)), " ".join("-" * k for k in w)]
    lines += [" ".join(cell(v, k) for v, k in zip(r, w, strict=True)) for r in rows[1:]]
    return "\n".join(lines) + "\n"


def test_fixed_width_output_with_the_needed_columns_is_read(tmp_path):
    rows = pipe_lines()
    wide = {name: max(len(r[i]) for r in rows) for i, name in enumerate(rows[0])}  # --format=Field%<longest>
    text = fixed_width(rows, wide)
    assert detect(Path("x.txt"), text.encode()).container == "sacct-fixed"
    assert runs_of(tmp_path, "fixed", text) == runs_of(tmp_path, "pipe", PIPE.read_text(encoding="utf-8"))


def test_fixed_width_values_cut_by_sacct_are_rejected_with_the_command(tmp_path):
    rows = pipe_lines()
    widths = {name: max(len(r[i]) for r in rows) for i, name in enumerate(rows[0])} | {"AllocTRES": 40}
    text = fixed_width(rows, widths)
    runs = runs_of(tmp_path, "cut", text)
    con = connect(tmp_path / "cut.duckdb", read_only=True)
    try:
        cut = con.sql("select column_name, reason, detail from rejects where reason like 'value cut%'").fetchall()
    finally:
        con.close()
    assert cut and {c[0] for c in cut} == {"alloctres"}
    assert all(SACCT_EXPORT_COMMAND in c[2] for c in cut)
    # every GPU job's AllocTRES is longer than 40 characters: none is guessed from its cut value
    assert len(runs) < len(runs_of(tmp_path, "pipe", PIPE.read_text(encoding="utf-8")))


def test_default_sacct_output_is_refused_with_the_export_command(tmp_path):
    default = ("JobID           JobName  Partition    Account  AllocCPUS      State ExitCode \n"
               "------------ ---------- ---------- ---------- ---------- ---------- -------- \n"
               "4102328      preproces+        cpu        nlp         64  COMPLETED      0:0 \n")
    d = tmp_path / "default"
    d.mkdir()
    shutil.copy(EXAMPLES / "slurm" / "cluster.yaml", d / "cluster.yaml")
    (d / "sacct.txt").write_text(default, encoding="utf-8")
    result = cli("ingest", d, "--db", tmp_path / "w.duckdb")
    assert result.exit_code == 1
    flat = "".join(result.output.split())
    assert "fixed-widthsacctoutputwithoutstart,end,alloctres" in flat
    assert "sacct-P--format=JobID,JobName,Partition,Account,User,State,Start,End,Elapsed,ElapsedRaw,AllocTRES,NodeList" in flat


def test_a_comma_delimited_export_is_refused_not_misread(tmp_path):
    """AllocTRES holds commas (cpu=8,gres/gpu=4): a ','-delimited export cannot be split back."""
    text = "\n".join(",".join(fields) for fields in pipe_lines()) + "\n"
    d = tmp_path / "comma"
    d.mkdir()
    (d / "sacct.txt").write_text(text, encoding="utf-8")
    result = cli("ingest", d / "sacct.txt", "--db", tmp_path / "w.duckdb")
    flat = "".join(result.output.split())
    assert result.exit_code == 1 and "separatedby','" in flat and "sacct-P--format=" in flat


def test_a_headerless_tab_export_is_read_with_the_cluster_files_fields(tmp_path):
    """`sacct --noheader -P --delimiter=$'\\t'`: records starting with a job id, fields as in sacct_fields."""
    noheader = EXAMPLES / "slurm" / "sacct_2024-11-04_noheader.out"
    text = noheader.read_text(encoding="utf-8")
    assert detect(Path("x.out"), text.replace("|", "\t").encode()).header is False
    assert runs_of(tmp_path, "tab_noheader", text.replace("|", "\t")) == runs_of(tmp_path, "pipe_noheader", text)
