"""Generate the synthetic month of cluster logs shipped in examples/cluster_logs/.

A realistic-looking October 2024 of a company's training runs: five teams, several
projects, GPU models and grid regions, some runs with logged power and PUE, some
without (estimated from TDP), and a few deliberately bad records so the demo shows
rejects. Deterministic (fixed seed): re-running rewrites identical files.

    python examples/generate_cluster_logs.py
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

OUT = Path(__file__).resolve().parent / "cluster_logs"
MONTH_START = datetime(2024, 10, 1, tzinfo=UTC)

TEAMS = {
    "vision": ["detector-v7", "segmenter", "video-pretrain"],
    "language": ["llm-13b", "llm-70b-sft", "tokenizer-ablation"],
    "speech": ["asr-multilingual", "tts"],
    "recsys": ["ranker-2024q4", "embeddings"],
    "research": ["scaling-laws", "moe-study"],
}
# (datacenter, region, logged PUE or None, the spelling of GPU models its scheduler logs)
SITES = [
    ("ca-colo-1", "US-CAL-CISO", 1.35, ["A100-SXM4-80GB", "H100-SXM"]),
    ("tx-colo-2", "US-TEX-ERCO", None, ["NVIDIA H100 80GB HBM3", "NVIDIA A100-SXM4-80GB"]),
    ("aws-use1", "aws:us-east-1", None, ["H100-SXM", "A10G", "L40S"]),
    ("gcp-euw1", "gcp:europe-west1", None, ["A100-SXM4-40GB", "L4", "H100-SXM"]),
    ("par-dc", "FR", 1.4, ["H200-SXM", "V100-SXM2-32GB"]),
    ("fra-dc", "DE", 1.25, ["H100-SXM", "L40S"]),
]
TYPICAL_W = {"A100": 330.0, "H100": 560.0, "H200": 600.0, "V100": 250.0, "L40S": 280.0, "L4": 60.0, "A10G": 150.0}


def _typical_power(model: str) -> float:
    for key, watts in TYPICAL_W.items():
        if key in model:
            return watts
    raise KeyError(model)


def generate(n_runs: int = 380, seed: int = 20241001) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_runs):
        team = list(TEAMS)[rng.integers(len(TEAMS))]
        project = TEAMS[team][rng.integers(len(TEAMS[team]))]
        dc, region, pue, models = SITES[rng.integers(len(SITES))]
        model = models[rng.integers(len(models))]
        gpu_count = int(rng.choice([1, 2, 4, 8, 8, 16, 32, 64, 128], p=[.1, .1, .15, .2, .15, .1, .1, .06, .04]))
        hours = float(rng.lognormal(mean=2.0, sigma=1.1))  # median ~7 h, tail to days
        start = MONTH_START + timedelta(minutes=int(rng.integers(0, 30 * 24 * 60)))
        end = start + timedelta(seconds=int(hours * 3600))
        logged_power = rng.random() < 0.6
        rows.append(
            {
                "run_id": f"oct24-{i:04d}",
                "name": f"{project}-{rng.choice(['pretrain', 'finetune', 'sweep', 'eval', 'ablation'])}-{i % 97}",
                "team": team,
                "project": project,
                "started_at": start,
                "ended_at": end,
                "gpu_model": model,
                "gpu_count": gpu_count,
                "avg_power_w": round(_typical_power(model) * float(rng.uniform(0.8, 1.15)), 1) if logged_power else None,
                "pue": pue,
                "region": region,
                "datacenter": dc,
                "hosts": f"{dc}-node[{1 + i % 40:03d}-{1 + i % 40 + max(gpu_count // 8, 1) - 1:03d}]",
            }
        )
    return pl.DataFrame(rows)


def _iso(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.col("started_at", "ended_at").dt.to_string("%Y-%m-%dT%H:%M:%SZ"),
    )


# Deliberately bad records, appended to the CSV as raw lines: each shows one reject reason.
BAD_CSV_LINES = [
    ",missing-id,vision,detector-v7,2024-10-03T01:00:00Z,2024-10-03T05:00:00Z,A100-SXM4-80GB,8,,,US-CAL-CISO,ca-colo-1,",
    "oct24-bad-1,zero-gpus,speech,tts,2024-10-04T01:00:00Z,2024-10-04T03:00:00Z,H100-SXM,0,500,,FR,par-dc,",
    "oct24-bad-2,ends-before-start,recsys,ranker-2024q4,2024-10-05T10:00:00Z,2024-10-05T08:00:00Z,L40S,4,,,DE,fra-dc,",
    "oct24-bad-3,power-in-kw,language,llm-13b,2024-10-06T00:00:00Z,2024-10-06T12:00:00Z,H100-SXM,8,700000,,aws:us-east-1,aws-use1,",
    "oct24-bad-4,bad-timestamp,research,moe-study,06/10/2024 14:00,2024-10-06T18:00:00Z,H100-SXM,8,,,DE,fra-dc,",
    "oct24-bad-5,pue-below-one,vision,segmenter,2024-10-07T00:00:00Z,2024-10-07T02:00:00Z,A100-SXM4-80GB,2,,0.9,US-CAL-CISO,ca-colo-1,",
    "oct24-bad-6,one-field-too-many,vision,segmenter,2024-10-07T00:00:00Z,2024-10-07T02:00:00Z,A100-SXM4-80GB,2,,,US-CAL-CISO,ca-colo-1,,extra",
]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    runs = generate()
    main_cluster = runs.filter(~pl.col("datacenter").is_in(["gcp-euw1"]))
    # The cloud team's runs come as a Parquet export (typed columns), a few eval runs as NDJSON.
    gcp = runs.filter(pl.col("datacenter") == "gcp-euw1")
    evals = main_cluster.tail(12)
    main_cluster = main_cluster.head(main_cluster.height - 12)

    csv_path = OUT / "team_runs_2024-10.csv"
    _iso(main_cluster).write_csv(csv_path, line_terminator="\n")
    with csv_path.open("a", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(BAD_CSV_LINES) + "\n")
        # the same run_id as an earlier good line: both records are rejected
        first = _iso(main_cluster.head(1)).write_csv(include_header=False, line_terminator="\n")
        f.write(first)

    gcp.write_parquet(OUT / "gcp_runs_2024-10.parquet", statistics=False)

    with (OUT / "eval_runs_2024-10.ndjson").open("w", encoding="utf-8", newline="\n") as f:
        for row in _iso(evals).iter_rows(named=True):
            f.write(json.dumps({k: v for k, v in row.items() if v is not None}) + "\n")
        f.write('{"run_id": "oct24-bad-json", "gpu_count": 8, "started_at": \n')


if __name__ == "__main__":
    main()
