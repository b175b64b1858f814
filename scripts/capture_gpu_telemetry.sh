#!/usr/bin/env bash
# Capture real GPU power telemetry on a machine with an NVIDIA GPU, for the telemetry
# readers' tests (tests/data/telemetry_real/). Runs a ~60 s load (idle, full bf16 matrix
# products, half load, idle) while logging power in the formats users really have:
#   smi_units.csv          nvidia-smi --query-gpu=... --format=csv -lms 500   (header, units)
#   smi_uuid_nounits.csv   uuid only (no index), --format=csv,nounits, -l 1
#   smi_tz_shanghai.csv    the same query with TZ=Asia/Shanghai (local time, no offset)
#   smi_avg_instant.csv    power.draw.average / power.draw.instant, extra columns first
#   smi_dmon.txt           nvidia-smi dmon -s pu -o DT
#   nvml_energy.csv        NVML power (mW) and total-energy counter (mJ), ISO times with +08:00
#   dcgm_scrape.prom       the NVML readings written as dcgm-exporter text (see header comment)
#   smi_q_power.txt        nvidia-smi -q -d POWER after the load
# Usage: OUT=folder bash scripts/capture_gpu_telemetry.sh
set -u
OUT=${OUT:-/tmp/capture}; mkdir -p "$OUT"
DUR=${DUR:-60}
nvidia-smi -L > "$OUT/smi_q_power.txt" 2>&1; nvidia-smi --version >> "$OUT/smi_q_power.txt" 2>&1
which dcgmi nv-hostengine dcgm-exporter >> "$OUT/smi_q_power.txt" 2>&1
nvidia-smi --query-gpu=timestamp,index,uuid,name,power.draw,power.limit,utilization.gpu,temperature.gpu,memory.used --format=csv -lms 500 > "$OUT/smi_units.csv" 2>&1 &
P1=$!
nvidia-smi --query-gpu=timestamp,uuid,power.draw --format=csv,nounits -l 1 > "$OUT/smi_uuid_nounits.csv" 2>&1 &
P2=$!
TZ=Asia/Shanghai nvidia-smi --query-gpu=timestamp,index,power.draw --format=csv -l 1 > "$OUT/smi_tz_shanghai.csv" 2>&1 &
P3=$!
nvidia-smi --query-gpu=utilization.gpu,name,timestamp,index,power.draw.average,power.draw.instant,power.limit --format=csv -l 1 > "$OUT/smi_avg_instant.csv" 2>&1 &
P4=$!
nvidia-smi dmon -s pu -o DT -c $((DUR + 5)) > "$OUT/smi_dmon.txt" 2>&1 &
P5=$!
python3 - "$OUT" "$DUR" <<'PY' &
import sys, time, datetime as dt, socket
import pynvml as n
out, dur = sys.argv[1], float(sys.argv[2])
tz = dt.timezone(dt.timedelta(hours=8))
n.nvmlInit()
hs = [n.nvmlDeviceGetHandleByIndex(i) for i in range(n.nvmlDeviceGetCount())]
host = socket.gethostname()
csv = open(f"{out}/nvml_energy.csv", "w")
csv.write("timestamp,index,uuid,name,power_mw,total_energy_mj\n")
prom = open(f"{out}/dcgm_scrape.prom", "w")
prom.write("# NVML readings (pynvml) written in dcgm-exporter's text format: one scrape per second,\n"
           "# each preceded by its time; values are real, the exporter itself was not installed.\n")
t_end = time.time() + dur + 3; k = 0
while time.time() < t_end:
    now = dt.datetime.now(tz)
    if k % 2 == 0:
        prom.write(f"# scraped_at {now.astimezone(dt.timezone.utc).isoformat().replace('+00:00','Z')}\n")
        prom.write("# HELP DCGM_FI_DEV_POWER_USAGE Power draw (in W).\n# TYPE DCGM_FI_DEV_POWER_USAGE gauge\n")
    for i, h in enumerate(hs):
        p = n.nvmlDeviceGetPowerUsage(h); e = n.nvmlDeviceGetTotalEnergyConsumption(h)
        u = n.nvmlDeviceGetUUID(h); nm = n.nvmlDeviceGetName(h)
        u = u.decode() if isinstance(u, bytes) else u; nm = nm.decode() if isinstance(nm, bytes) else nm
        csv.write(f"{now.isoformat(timespec='milliseconds')},{i},{u},{nm},{p},{e}\n")
        if k % 2 == 0:
            lab = f'gpu="{i}",UUID="{u}",device="nvidia{i}",modelName="{nm}",Hostname="{host}"'
            prom.write(f"DCGM_FI_DEV_POWER_USAGE{{{lab}}} {p/1000:.3f}\n")
            prom.write(f"DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{{{lab}}} {e}\n")
    csv.flush(); prom.flush(); k += 1
    time.sleep(0.5)
PY
P6=$!
python3 - "$DUR" <<'PY'
import sys, time, torch
dur = float(sys.argv[1])
a = torch.randn(8192, 8192, device="cuda", dtype=torch.bfloat16); b = torch.randn_like(a)
time.sleep(dur * 0.15)                      # idle
t = time.time()
while time.time() - t < dur * 0.45:         # full load
    for _ in range(20): c = a @ b
    torch.cuda.synchronize()
t = time.time()
while time.time() - t < dur * 0.25:         # about half load
    for _ in range(10): c = a @ b
    torch.cuda.synchronize(); time.sleep(0.05)
time.sleep(dur * 0.15)                      # idle
print("load done")
PY
wait $P5 $P6
kill $P1 $P2 $P3 $P4 2>/dev/null; sleep 1
nvidia-smi -q -d POWER >> "$OUT/smi_q_power.txt" 2>&1
head -c 600 "$OUT"/smi_units.csv; echo; wc -l "$OUT"/*
