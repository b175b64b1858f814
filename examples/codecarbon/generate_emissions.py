"""Generate the demo CodeCarbon files of this folder (deterministic; run from the repository root).

    python examples/codecarbon/generate_emissions.py

Three machines, three CodeCarbon versions, each file shaped like the real tool writes it
(pandas ``to_csv``, one row per ``stop()``/``flush()``, cumulative totals per run_id,
``timestamp`` in the machine's local time without offset):

- ``hgx-par/``: CodeCarbon 3.3.0 (38 columns: water, utilisation, wue), an 8 x H100 server
  in Paris; long runs flushed every few hours; one run with ``pue=1.25`` set.
- ``gcp-a100/``: CodeCarbon 2.8.3 (32 columns), a cloud VM (``on_cloud=Y``), 8 x A100 40GB.
- ``ws-2022/``: CodeCarbon 2.1.4 (29 columns: no codecarbon_version, experiment_id, pue),
  a 4 x A100 40GB lab server in Stuttgart, 2022.

The runs are made up; energies are consistent (energy_consumed = cpu + gpu + ram energy,
emissions = energy_consumed x the factor CodeCarbon would use, emissions_rate = emissions /
duration).
"""

from __future__ import annotations

import csv
import random
import uuid
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent

V3 = ("timestamp,project_name,run_id,experiment_id,duration,emissions,emissions_rate,cpu_power,gpu_power,ram_power,"
      "cpu_energy,gpu_energy,ram_energy,energy_consumed,water_consumed,country_name,country_iso_code,region,cloud_provider,"
      "cloud_region,os,python_version,codecarbon_version,cpu_count,cpu_model,gpu_count,gpu_model,longitude,latitude,"
      "ram_total_size,tracking_mode,cpu_utilization_percent,gpu_utilization_percent,ram_utilization_percent,ram_used_gb,"
      "on_cloud,pue,wue").split(",")  # fmt: skip
V28 = ("timestamp,project_name,run_id,experiment_id,duration,emissions,emissions_rate,cpu_power,gpu_power,ram_power,"
       "cpu_energy,gpu_energy,ram_energy,energy_consumed,country_name,country_iso_code,region,cloud_provider,cloud_region,"
       "os,python_version,codecarbon_version,cpu_count,cpu_model,gpu_count,gpu_model,longitude,latitude,ram_total_size,"
       "tracking_mode,on_cloud,pue").split(",")  # fmt: skip
V21 = ("timestamp,project_name,run_id,duration,emissions,emissions_rate,cpu_power,gpu_power,ram_power,cpu_energy,"
       "gpu_energy,ram_energy,energy_consumed,country_name,country_iso_code,region,cloud_provider,cloud_region,os,"
       "python_version,cpu_count,cpu_model,gpu_count,gpu_model,longitude,latitude,ram_total_size,tracking_mode,"
       "on_cloud").split(",")  # fmt: skip
DEFAULT_EXPERIMENT = "5b0fa12a-3dd7-45bb-9766-cc326314d9f1"  # CodeCarbon's default experiment_id


def runs(rng: random.Random, machine: dict, projects: list[str], n: int, t0: datetime) -> list[dict]:
    rows = []
    t = t0
    for _ in range(n):
        run_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        project = rng.choice(projects)
        hours = rng.uniform(0.5, 30.0)
        pue = machine.get("pue_choices", [1.0])[rng.randrange(len(machine.get("pue_choices", [1.0])))]
        gpu_w = machine["gpus"] * rng.uniform(0.55, 0.92) * machine["gpu_tdp_w"]
        cpu_w, ram_w = machine["cpu_w"], machine["ram_w"]
        flush_h = rng.choice([None, 4.0, 8.0])  # tracker.flush() every few hours, or only stop()
        marks = [hours] if flush_h is None else [h for h in [flush_h * k for k in range(1, 20)] if h < hours] + [hours]
        for h in marks:
            secs = h * 3600 + rng.uniform(0, 0.9)
            cpu_e, gpu_e, ram_e = (cpu_w * h / 1000 * pue, gpu_w * h / 1000 * pue, ram_w * h / 1000 * pue)
            energy = cpu_e + gpu_e + ram_e
            emissions = energy * machine["factor"]
            row = {
                "timestamp": (t + timedelta(seconds=secs)).strftime("%Y-%m-%dT%H:%M:%S"),
                "project_name": project, "run_id": run_id, "experiment_id": DEFAULT_EXPERIMENT,
                "duration": repr(secs), "emissions": repr(emissions), "emissions_rate": repr(emissions / secs),
                "cpu_power": repr(cpu_w), "gpu_power": repr(gpu_w * rng.uniform(0.97, 1.03)), "ram_power": repr(ram_w),
                "cpu_energy": repr(cpu_e), "gpu_energy": repr(gpu_e), "ram_energy": repr(ram_e),
                "energy_consumed": repr(energy), "water_consumed": "0.0",
                "cpu_utilization_percent": f"{rng.uniform(8, 30):.1f}", "gpu_utilization_percent": f"{rng.uniform(70, 99):.1f}",
                "ram_utilization_percent": f"{rng.uniform(20, 60):.1f}", "ram_used_gb": repr(machine["ram_gb"] * 0.4),
                "pue": repr(pue), "wue": "0.0",
            } | machine["fixed"]  # fmt: skip
            rows.append(row)
        t = t + timedelta(hours=hours + rng.uniform(0.2, 12))
    return rows


def write(path: Path, header: list[str], rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow([r.get(c, "") for c in header])


def main() -> None:
    rng = random.Random(2024_10)
    hgx = {
        "gpus": 8, "gpu_tdp_w": 700.0, "cpu_w": 350.0, "ram_w": 755.8, "ram_gb": 2015.56, "factor": 0.0569,
        "pue_choices": [1.0, 1.0, 1.0, 1.25],
        "fixed": {
            "country_name": "France", "country_iso_code": "FRA", "region": "île-de-france", "cloud_provider": "",
            "cloud_region": "", "os": "Linux-5.15.0-122-generic-x86_64-with-glibc2.35", "python_version": "3.11.10",
            "codecarbon_version": "3.3.0", "cpu_count": "224", "cpu_model": "Intel(R) Xeon(R) Platinum 8480+",
            "gpu_count": "8", "gpu_model": "8 x NVIDIA H100 80GB HBM3", "longitude": "2.3522", "latitude": "48.8566",
            "ram_total_size": "2015.56", "tracking_mode": "machine", "on_cloud": "N",
        },
    }  # fmt: skip
    write(HERE / "hgx-par" / "emissions.csv", V3,
          runs(rng, hgx, ["mistral-ft-legal", "llm-eval-harness", "dpo-sweep"], 9, datetime(2024, 10, 2, 9, 12)))  # fmt: skip

    gcp = {
        "gpus": 8, "gpu_tdp_w": 400.0, "cpu_w": 120.0, "ram_w": 255.0, "ram_gb": 680.0, "factor": 0.1677,
        "fixed": {
            "country_name": "Belgium", "country_iso_code": "BEL", "region": "europe-west1", "cloud_provider": "gcp",
            "cloud_region": "europe-west1", "os": "Linux-6.1.0-25-cloud-amd64-x86_64-with-glibc2.36",
            "python_version": "3.10.14", "codecarbon_version": "2.8.3", "cpu_count": "96",
            "cpu_model": "Intel(R) Xeon(R) CPU @ 2.20GHz", "gpu_count": "8", "gpu_model": "8 x NVIDIA A100-SXM4-40GB",
            "longitude": "", "latitude": "", "ram_total_size": "680.0", "tracking_mode": "machine", "on_cloud": "Y",
        },
    }  # fmt: skip
    write(HERE / "gcp-a100" / "emissions.csv", V28,
          runs(rng, gcp, ["recsys-two-tower", "ctr-distill"], 6, datetime(2024, 10, 7, 14, 3)))  # fmt: skip

    ws = {
        "gpus": 4, "gpu_tdp_w": 400.0, "cpu_w": 140.0, "ram_w": 192.0, "ram_gb": 512.0, "factor": 0.3850,
        "fixed": {
            "country_name": "Germany", "country_iso_code": "DEU", "region": "baden-württemberg", "cloud_provider": "",
            "cloud_region": "", "os": "Linux-5.4.0-125-generic-x86_64-with-glibc2.31", "python_version": "3.9.13",
            "cpu_count": "64", "cpu_model": "AMD EPYC 7542 32-Core Processor", "gpu_count": "4",
            "gpu_model": "4 x NVIDIA A100-SXM4-40GB", "longitude": "9.1829", "latitude": "48.7758",
            "ram_total_size": "503.7", "tracking_mode": "machine", "on_cloud": "N",
        },
    }  # fmt: skip
    write(HERE / "ws-2022" / "emissions.csv", V21,
          runs(rng, ws, ["wav2vec2-finetune", "whisper-distill"], 7, datetime(2022, 9, 12, 10, 30)))  # fmt: skip


if __name__ == "__main__":
    main()
