"""Mapping files beside the files they describe (issue 19): ``<prefix>.mapping.yaml`` maps the
files of its folder whose names start with the prefix, ``mapping.yaml`` the folder's others."""

import shutil

from conftest import EXAMPLES
from wattledger.ingest import plan_path, survey
from wattledger.ingest.plan import mapping_beside
from wattledger.pipeline import ingest_paths
from wattledger.store import connect

MAPPING = EXAMPLES / "mappings" / "vision_k8s.mapping.yaml"
DATA = EXAMPLES / "mappings" / "vision_k8s_jobs_2024-10.csv"


def test_a_prefixed_mapping_maps_the_files_that_start_with_its_prefix(tmp_path):
    shutil.copy(MAPPING, tmp_path / MAPPING.name)
    for name in ("vision_k8s_jobs_2024-10.csv", "vision_k8s_jobs_2024-11.csv.1", "other.csv"):
        shutil.copy(DATA, tmp_path / name)
    assert mapping_beside(tmp_path / "vision_k8s_jobs_2024-10.csv") == tmp_path / MAPPING.name
    assert mapping_beside(tmp_path / "vision_k8s_jobs_2024-11.csv.1") == tmp_path / MAPPING.name  # a rotated export
    assert mapping_beside(tmp_path / "other.csv") is None


def test_the_longest_prefix_wins_and_mapping_yaml_takes_the_rest(tmp_path):
    (tmp_path / "vision.mapping.yaml").write_text("x")
    (tmp_path / "vision_k8s.mapping.yaml").write_text("x")
    (tmp_path / "mapping.yaml").write_text("x")
    assert mapping_beside(tmp_path / "vision_k8s_jobs.csv").name == "vision_k8s.mapping.yaml"
    assert mapping_beside(tmp_path / "vision_slurm.csv").name == "vision.mapping.yaml"
    assert mapping_beside(tmp_path / "runs.csv").name == "mapping.yaml"


def test_a_folder_with_its_mapping_is_ingested_without_mapping_option(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    summary = ingest_paths(con, [EXAMPLES / "mappings"])
    assert not summary.refused and [s.detected.split(" from ")[0] for s in summary.stored] == ["mapping 'vision-k8s'"]
    assert con.sql("select count(*) from runs where run_id like 'k8s-par:%'").fetchall() == [(16,)]
    con.close()
    assert plan_path(DATA).mapping == MAPPING.resolve()


def test_the_mapping_and_cost_ledgers_are_listed_as_skipped_with_their_reason():
    found = survey([EXAMPLES])
    why = {p.path.name: p.reason for p in found.skipped}
    assert why["vision_k8s.mapping.yaml"].startswith("mapping file")
    assert "wattledger costs" in why["ledger_illustrative_2024-10.csv"]
    assert DATA in found.files


def test_a_changed_mapping_beside_reads_the_file_again(tmp_path):
    folder = tmp_path / "k8s"
    folder.mkdir()
    shutil.copy(MAPPING, folder / MAPPING.name)
    shutil.copy(DATA, folder / DATA.name)
    before = plan_path(folder / DATA.name).side_sha256
    (folder / MAPPING.name).write_text(MAPPING.read_text().replace("team: vision", "team: vision-2"))
    assert plan_path(folder / DATA.name).side_sha256 != before
