"""Issue 15: every configuration file is read by the one YAML loader (wattledger/yamlfile.py),
which refuses a key given twice instead of keeping the last value silently."""

import shutil

import pytest
import yaml

from conftest import EXAMPLES
from wattledger.ingest.adapters.cluster import load_cluster_file
from wattledger.ingest.adapters.codecarbon import load_sidecar
from wattledger.ingest.adapters.config import ConfigFileError
from wattledger.ingest.adapters.mapping import load_mapping
from wattledger.pipeline import ingest_paths
from wattledger.yamlfile import parse_yaml, yaml_problem


@pytest.mark.parametrize("text, problem", [
    ("a: 1\nb: 2\na: 3\n", "line 3, column 1: key 'a' is repeated (first at line 1)"),
    ("x:\n  y: 1\n  z:\n    - {k: 1, k: 2}\n", "line 4, column 14: key 'k' is repeated (first at line 4)"),
    ("m: {1: a, 1.0: b}\n", "key 1.0 is repeated (first at line 1)"),
    ("a: [1\n", "not valid YAML"),
])
def test_a_repeated_key_is_an_error_naming_line_and_key(text, problem):
    with pytest.raises(yaml.YAMLError) as err:
        parse_yaml(text)
    assert problem in yaml_problem(err.value)


def test_the_loader_still_reads_safe_yaml_and_merge_keys():
    assert parse_yaml("base: &b {p: 1, q: 2}\nc:\n  <<: *b\n  p: 3\n") == {"base": {"p": 1, "q": 2}, "c": {"p": 3, "q": 2}}
    with pytest.raises(yaml.YAMLError):
        parse_yaml("!!python/object/apply:os.system ['true']\n")  # safe types only


@pytest.mark.parametrize("loader, example, repeated, key", [
    (load_cluster_file, EXAMPLES / "slurm" / "cluster.yaml", "timezone: UTC\n", "timezone"),
    (load_mapping, EXAMPLES / "mappings" / "vision_k8s.mapping.yaml", "name: other\n", "name"),
    (load_sidecar, EXAMPLES / "codecarbon" / "hgx-par" / "codecarbon.yaml", "datacenter: fra-dc\n", "datacenter"),
])
def test_adapter_config_files_refuse_a_repeated_key(tmp_path, loader, example, repeated, key):
    loader(example)  # the shipped file loads
    text = example.read_text(encoding="utf-8") + repeated
    path = tmp_path / example.name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigFileError) as err:
        loader(path)
    line = text.count("\n")
    assert str(path) in str(err.value) and f"line {line}, column 1: key {key!r} is repeated" in str(err.value)


def test_telemetry_sidecar_refuses_a_repeated_key(con, tmp_path):
    folder = tmp_path / "telemetry"
    folder.mkdir()
    shutil.copy(EXAMPLES / "telemetry" / "fra-dc-node004_nvidia-smi_2024-10-12.csv", folder)
    (folder / "telemetry.yaml").write_text("timezone: Europe/Berlin\ntimezone: UTC\n", encoding="utf-8")
    s = ingest_paths(con, [folder])
    assert len(s.refused) == 1 and "line 2, column 1: key 'timezone' is repeated (first at line 1)" in str(s.refused[0])
    assert con.sql("select count(*) from power_samples").fetchall() == [(0,)]


def test_no_other_yaml_loader_reads_a_file():
    """Every reader goes through wattledger/yamlfile.py (the site file, adapters' files, telemetry.yaml)."""
    from conftest import REPO

    loaders = ("yaml.safe_load", "yaml.load(", "yaml.full_load", "yaml.unsafe_load", "yaml.load_all", "yaml.safe_load_all")
    offenders = [
        f"{path.relative_to(REPO)}: {name}"
        for folder in ("wattledger", "flows") for path in sorted((REPO / folder).rglob("*.py"))
        if path != REPO / "wattledger" / "yamlfile.py"
        for name in loaders if name in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
