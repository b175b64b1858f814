"""Generate the demo sacct exports of this folder (deterministic; run from the repository root).

    python examples/slurm/generate_sacct.py

Shaped exactly like `sacct --allusers --parsable2 --format JobID,JobName,User,Account,
Partition,State,Start,End,Elapsed,ElapsedRaw,NNodes,AllocTRES,NodeList` on Slurm 23.02:
job lines, then their .batch / .extern / .N step lines, array tasks (123_4), multi-node
jobs, every final state, a running and a pending job, CPU-only jobs, local times of the
controller (America/Chicago) including the night daylight saving ends (2024-11-03).
The jobs are made up; their shapes are not.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
TZ = ZoneInfo("America/Chicago")
FIELDS = "JobID|JobName|User|Account|Partition|State|Start|End|Elapsed|ElapsedRaw|NNodes|AllocTRES|NodeList"
DUMP_AT = datetime(2024, 11, 5, 9, 0, tzinfo=timezone.utc)  # when sacct was run

PARTITIONS = {  # partition: (gres type, gpus per node, cpus per node, mem GB per node, node prefix, nodes)
    "a100": ("a100", 8, 128, 1000, "a100-", 16),
    "h100": ("h100", 8, 224, 2000, "h100-", 8),
    "l40s": ("l40s", 4, 64, 500, "l40s-", 6),
    "burst": ("h100", 8, 224, 2000, "cloud-h100-", 4),
    "cpu": (None, 0, 64, 250, "cpu-", 32),
}
USERS = {"nlp": ["asmith", "jli"], "vision": ["mgarcia", "tnguyen"], "speech": ["pkowalski"], "recsys": ["rosei", "dchen"]}
NAMES = {
    "nlp": ["llm-pretrain-7b", "llm-sft", "tokenizer-eval", "rlhf-ppo"],
    "vision": ["vit-l-pretrain", "detr-finetune", "seg-sweep"],
    "speech": ["asr-conformer", "tts-vocoder"],
    "recsys": ["ranker-train", "embed-distill"],
}
UIDS = {"asmith": 51234, "jli": 51240, "mgarcia": 52011, "tnguyen": 52019, "pkowalski": 53001, "rosei": 54002, "dchen": 54007}


def local(t: datetime) -> str:
    return t.astimezone(TZ).strftime("%Y-%m-%dT%H:%M:%S")


def elapsed(seconds: int) -> str:
    d, rem = divmod(seconds, 86_400)
    h, rem = divmod(rem, 3_600)
    m, s = divmod(rem, 60)
    return (f"{d}-" if d else "") + f"{h:02d}:{m:02d}:{s:02d}"


def nodelist(prefix: str, first: int, n: int, width: int = 3) -> str:
    if n == 1:
        return f"{prefix}{first:0{width}d}"
    return f"{prefix}[{first:0{width}d}-{first + n - 1:0{width}d}]"


def tres(part: str, nodes: int, per_node: bool = False, billing: bool = True) -> str:
    gtype, gpn, cpn, mem, _, _ = PARTITIONS[part]
    k = 1 if per_node else nodes
    items = ([f"billing={cpn * k}"] if billing else []) + [f"cpu={cpn * k}"]
    if gtype:
        items += [f"gres/gpu:{gtype}={gpn * k}", f"gres/gpu={gpn * k}"]
    return ",".join(items + [f"mem={mem * k}G", f"node={k}"])


def job_lines(jobid: str, name: str, user: str, account: str, part: str, state: str, start: datetime | None,
              end: datetime | None, nodes: int, first_node: int, steps: list[str]) -> list[str]:  # fmt: skip
    _, _, _, _, prefix, _ = PARTITIONS[part]
    width = 2 if part == "l40s" else 3
    nl = nodelist(prefix, first_node, nodes, width)
    if start is None:  # pending: nothing allocated yet
        return [f"{jobid}|{name}|{user}|{account}|{part}|PENDING|Unknown|Unknown|00:00:00|0|{nodes}||None assigned"]
    stop = end or DUMP_AT
    secs = int((stop - start).total_seconds())
    end_s = local(end) if end else "Unknown"
    line = f"{jobid}|{name}|{user}|{account}|{part}|{state}|{local(start)}|{end_s}|{elapsed(secs)}|{secs}|{nodes}|{tres(part, nodes)}|{nl}"
    out = [line]
    base = state.split()[0]
    step_state = {"COMPLETED": "COMPLETED", "FAILED": "FAILED", "TIMEOUT": "CANCELLED", "CANCELLED": "CANCELLED",
                  "OUT_OF_MEMORY": "OUT_OF_MEMORY", "RUNNING": "RUNNING", "NODE_FAIL": "CANCELLED"}[base]  # fmt: skip
    first = nodelist(prefix, first_node, 1, width)
    for step in steps:
        if step == "batch":
            out.append(f"{jobid}.batch|batch||{account}||{step_state}|{local(start)}|{end_s}|{elapsed(secs)}|{secs}|1|"
                       f"{tres(part, nodes, per_node=True, billing=False)}|{first}")  # fmt: skip
        elif step == "extern":
            ext_state = "RUNNING" if base == "RUNNING" else "COMPLETED"
            out.append(f"{jobid}.extern|extern||{account}||{ext_state}|{local(start)}|{end_s}|{elapsed(secs)}|{secs}|{nodes}|"
                       f"{tres(part, nodes)}|{nl}")  # fmt: skip
        else:  # an srun step: starts a little after the job, ends a little before
            s0 = start + timedelta(seconds=7)
            e0 = (end - timedelta(seconds=3)) if end else None
            ssecs = int(((e0 or DUMP_AT) - s0).total_seconds())
            out.append(f"{jobid}.{step}|{'torchrun' if nodes > 1 else 'python'}||{account}||{step_state}|{local(s0)}|"
                       f"{local(e0) if e0 else 'Unknown'}|{elapsed(ssecs)}|{ssecs}|{nodes}|"
                       f"{tres(part, nodes, billing=False)}|{nl}")  # fmt: skip
    return out


def main() -> None:
    rng = random.Random(20241105)
    lines = [FIELDS]
    jobid = 4_102_300
    t = datetime(2024, 10, 1, 13, 0, tzinfo=timezone.utc)
    states = ["COMPLETED"] * 10 + ["FAILED", "TIMEOUT", "OUT_OF_MEMORY", "CANCELLED by {uid}"]
    for i in range(54):
        jobid += rng.randint(3, 40)
        account = rng.choice(list(USERS))
        user = rng.choice(USERS[account])
        part = rng.choice(["a100", "a100", "h100", "h100", "l40s", "burst", "cpu"] if i % 9 else ["cpu"])
        nodes = rng.choice([1, 1, 1, 2, 4]) if part in ("a100", "h100") else 1
        hours = rng.uniform(0.3, 40.0) if part != "cpu" else rng.uniform(0.1, 3)
        start = t + timedelta(minutes=rng.randint(0, 600))
        end = start + timedelta(seconds=int(hours * 3600))
        t = start + timedelta(hours=rng.uniform(4, 14))
        state = rng.choice(states).format(uid=UIDS[user])
        if state == "TIMEOUT":  # killed at its time limit (24 or 48 h) plus the kill wait
            end = start + timedelta(hours=rng.choice([24, 48]), seconds=rng.randint(20, 90))
        name = rng.choice(NAMES[account]) if part != "cpu" else "preprocess-shards"
        first = rng.randint(1, PARTITIONS[part][5] - nodes + 1)
        steps = ["batch", "extern"] + (["0"] if part != "cpu" else []) + (["1"] if rng.random() < 0.2 else [])
        if i == 20:  # an array job: tasks 1-6 ran, 7-10 still pending at dump time
            for task in range(1, 7):
                s = start + timedelta(minutes=task * 3)
                lines += job_lines(f"{jobid}_{task}", "seg-sweep", "tnguyen", "vision", "l40s", "COMPLETED", s,
                                   s + timedelta(minutes=rng.randint(40, 200)), 1, task, ["batch", "extern", "0"])  # fmt: skip
            lines += job_lines(f"{jobid}_[7-10%2]", "seg-sweep", "tnguyen", "vision", "l40s", "PENDING", None, None, 1, 1, [])
            continue
        lines += job_lines(str(jobid), name, user, account, part, state, start, end, nodes, first, steps)
    # a job across the end of daylight saving (local 01:00-02:00 happens twice on 2024-11-03)
    jobid += 11
    start = datetime(2024, 11, 3, 6, 40, tzinfo=timezone.utc)  # 01:40 CDT, the first 01:40
    lines += job_lines(str(jobid), "rlhf-ppo", "jli", "nlp", "h100", "COMPLETED", start, start + timedelta(minutes=50), 1, 3,
                       ["batch", "extern", "0"])  # ends 01:30 CST, the second 01:30  # fmt: skip
    # still running and still pending when sacct ran
    jobid += 5
    lines += job_lines(str(jobid), "llm-pretrain-7b", "asmith", "nlp", "h100", "RUNNING",
                       datetime(2024, 11, 4, 22, 15, tzinfo=timezone.utc), None, 4, 5, ["batch", "extern", "0"])  # fmt: skip
    jobid += 2
    lines += job_lines(str(jobid), "vit-l-pretrain", "mgarcia", "vision", "a100", "PENDING", None, None, 2, 1, [])
    (HERE / "sacct_2024-10.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")

    # a small export of the following days, saved with --noheader (fields: cluster.yaml sacct_fields)
    more = []
    t = datetime(2024, 11, 4, 15, 0, tzinfo=timezone.utc)
    for _ in range(6):
        jobid += rng.randint(3, 20)
        account = rng.choice(list(USERS))
        user = rng.choice(USERS[account])
        part = rng.choice(["a100", "h100", "l40s"])
        start = t + timedelta(minutes=rng.randint(0, 60))
        end = start + timedelta(seconds=int(rng.uniform(0.5, 6) * 3600))
        t = end
        more += job_lines(str(jobid), rng.choice(NAMES[account]), user, account, part, "COMPLETED", start, end, 1,
                          rng.randint(1, 4), ["batch", "extern", "0"])  # fmt: skip
    (HERE / "sacct_2024-11-04_noheader.out").write_text("\n".join(more) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
