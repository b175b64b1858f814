"""Generate the demo GPU power telemetry of this folder (deterministic; run from anywhere).

    python examples/telemetry/generate_telemetry.py

No GPU was available when these files were made, so they are synthetic, shaped exactly
like the tools' output, and they cover two runs of
``examples/cluster_logs/team_runs_2024-10.csv``:

* ``fra-dc-node004_nvidia-smi_2024-10-12.csv`` — run ``oct24-0363`` (2 × L40S on
  ``fra-dc-node[004-004]``, 2024-10-12T10:02:00Z – 11:39:40Z). Written by
  ``nvidia-smi --query-gpu=timestamp,index,uuid,power.draw --format=csv -l 30 >> FILE``
  on a host whose clock is Europe/Berlin (CEST, UTC+2 that day): the timestamps are
  local. The logger was restarted once (a 4-minute gap, the header written again)
  and one reading of GPU 1 is ``[N/A]``.
* ``tx-colo-2-node032_dcgm_2024-10-25.prom`` — run ``oct24-0351`` (4 × NVIDIA H100 80GB
  HBM3 on ``tx-colo-2-node[032-032]``, 2024-10-25T03:34:00Z – 03:54:21Z). Scrapes of
  dcgm-exporter's ``/metrics`` every 30 s by
  ``while :; do echo "# scraped_at $(date -u +%FT%T.%3NZ)"; curl -s node:9400/metrics; sleep 30; done``:
  power [W], the total energy counter [mJ since boot] and the temperature (skipped by
  the reader), without Prometheus timestamps, each scrape under a ``# scraped_at`` line.

The "true" power of each GPU is simulated at 1 s (idle before and after the run,
training load with noise and periodic checkpoint dips inside it); power readings are
samples of it, and the energy counter is its running sum, so the two agree.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
UTC = timezone.utc


def _true_power(rng: random.Random, start: datetime, seconds: int, run_start: datetime, run_end: datetime,
                idle_w: float, load_w: float, checkpoint_every_s: int) -> list[float]:
    """Power of one GPU at each second from ``start``. [W]"""
    out = []
    level = idle_w
    for s in range(seconds):
        t = start + timedelta(seconds=s)
        if run_start <= t < run_end:
            into = (t - run_start).total_seconds()
            target = load_w
            if into < 90:  # data loading and compilation before the first step
                target = idle_w + (load_w - idle_w) * 0.35
            elif int(into) % checkpoint_every_s < 40:  # checkpoint: compute pauses
                target = idle_w + (load_w - idle_w) * 0.3
        else:
            target = idle_w
        level += 0.35 * (target - level)  # the board does not jump instantly
        out.append(max(0.0, level + rng.gauss(0.0, 0.02 * target)))
    return out


def nvidia_smi() -> None:
    rng = random.Random(20241012)
    tz = ZoneInfo("Europe/Berlin")
    run_start = datetime(2024, 10, 12, 10, 2, 0, tzinfo=UTC)
    run_end = datetime(2024, 10, 12, 11, 39, 40, tzinfo=UTC)
    t0 = datetime(2024, 10, 12, 10, 0, 3, 417000, tzinfo=UTC)
    seconds = 106 * 60
    uuids = ["GPU-3f9a1c2e-7b44-4d1a-9e0c-5a2b8c6d1e07", "GPU-b81d5e60-2c3f-4a97-8d15-0f6e4b9c2a31"]
    power = [
        _true_power(rng, t0, seconds + 5, run_start, run_end, idle_w=34.0, load_w=291.0, checkpoint_every_s=1200),
        _true_power(rng, t0, seconds + 5, run_start, run_end, idle_w=36.5, load_w=284.0, checkpoint_every_s=1200),
    ]
    header = "timestamp, index, uuid, power.draw [W]"
    lines = [header]
    gap_from = datetime(2024, 10, 12, 10, 51, 0, tzinfo=UTC)
    gap_to = gap_from + timedelta(minutes=4)
    restarted = False
    k = 0
    t = t0
    while (t - t0).total_seconds() < seconds:
        if gap_from <= t < gap_to:  # the logger was stopped; it is started again with >>
            t = gap_to + timedelta(milliseconds=rng.randint(100, 900))
            if not restarted:
                lines.append(header)
                restarted = True
            continue
        for gpu in (0, 1):
            ts = t + timedelta(milliseconds=3 * gpu + rng.randint(0, 2))  # one query per GPU
            local = ts.astimezone(tz).strftime("%Y/%m/%d %H:%M:%S.") + f"{ts.microsecond // 1000:03d}"
            second = int((ts - t0).total_seconds())
            value = f"{power[gpu][second]:.2f} W"
            if gpu == 1 and k == 137:
                value = "[N/A]"  # a reading NVML could not take
            lines.append(f"{local}, {gpu}, {uuids[gpu]}, {value}")
        k += 1
        t += timedelta(seconds=30, milliseconds=rng.randint(8, 16))  # -l 30 drifts by the query time
    path = HERE / "fra-dc-node004_nvidia-smi_2024-10-12.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="")


_HELP = {
    "DCGM_FI_DEV_GPU_TEMP": ("gauge", "GPU temperature (in C)."),
    "DCGM_FI_DEV_POWER_USAGE": ("gauge", "Power draw (in W)."),
    "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION": ("counter", "Total energy consumption since boot (in mJ)."),
}


def dcgm() -> None:
    rng = random.Random(20241025)
    host = "tx-colo-2-node032"
    run_start = datetime(2024, 10, 25, 3, 34, 0, tzinfo=UTC)
    run_end = datetime(2024, 10, 25, 3, 54, 21, tzinfo=UTC)
    t0 = datetime(2024, 10, 25, 3, 32, 0, tzinfo=UTC)
    seconds = 25 * 60
    gpus = [
        ("GPU-5c1e0f2a-93d8-4b6e-a1f4-7d20c9e83b51", "00000000:18:00.0"),
        ("GPU-a27b4d90-1e6c-4f3a-b852-3c9d0e71f4a6", "00000000:2A:00.0"),
        ("GPU-e0d93b17-6a2f-48c5-9b7e-12f4a8c5d039", "00000000:3A:00.0"),
        ("GPU-71f8c2a4-d05b-4e19-8c63-b94e2a0d7f15", "00000000:5D:00.0"),
    ]
    power = [
        _true_power(rng, t0, seconds + 40, run_start, run_end, idle_w=69.0 + 2 * i, load_w=585.0 - 6 * i, checkpoint_every_s=600)
        for i in range(len(gpus))
    ]
    # energy since boot at t0: about 17 days at a mixed load [mJ]
    counter0 = [rng.randint(410_000_000_000, 460_000_000_000) for _ in gpus]
    running = [[0.0] for _ in gpus]
    for i in range(len(gpus)):
        acc = 0.0
        for p in power[i]:
            acc += p * 1000.0  # one second at p W = p J = 1000 p mJ
            running[i].append(acc)
    lines = []
    t = t0 + timedelta(milliseconds=212)
    while (t - t0).total_seconds() < seconds:
        lines.append(f"# scraped_at {t.strftime('%Y-%m-%dT%H:%M:%S.')}{t.microsecond // 1000:03d}Z")
        second = int((t - t0).total_seconds())
        frac = (t - t0).total_seconds() - second
        for metric, (kind, text) in _HELP.items():
            lines.append(f"# HELP {metric} {text}")
            lines.append(f"# TYPE {metric} {kind}")
            for i, (uuid, bus) in enumerate(gpus):
                labels = (
                    f'gpu="{i}",UUID="{uuid}",pci_bus_id="{bus}",device="nvidia{i}",'
                    f'modelName="NVIDIA H100 80GB HBM3",Hostname="{host}",DCGM_FI_DRIVER_VERSION="550.90.07"'
                )
                if metric == "DCGM_FI_DEV_POWER_USAGE":
                    value = f"{power[i][second]:.6f}"
                elif metric == "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION":
                    mj = counter0[i] + running[i][second] + frac * power[i][second] * 1000.0
                    value = f"{int(mj)}"
                else:
                    value = f"{int(31 + power[i][second] / 14)}"
                lines.append(f"{metric}{{{labels}}} {value}")
        t += timedelta(seconds=30, milliseconds=rng.randint(0, 40))
    path = HERE / "tx-colo-2-node032_dcgm_2024-10-25.prom"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="")


if __name__ == "__main__":
    nvidia_smi()
    dcgm()
