#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for tfpipe's tests and for trying --executor slurm: munge, slurmctld and
# slurmd from Debian's slurm-wlm, as root, on loopback, with their state, logs and pid files under DIR.
#
#   scripts/slurm-cluster.sh start DIR   installs slurm-wlm and munge if missing (apt), starts the daemons on two
#                                        free ports, waits for the node to be idle, prints SLURM_CONF=DIR/slurm.conf
#   scripts/slurm-cluster.sh stop DIR    stops the daemons started under DIR (munged, shared, keeps running)
#
# Then `export SLURM_CONF=DIR/slurm.conf` and sbatch, squeue and tfpipe run --executor slurm use it. Accounting
# (sacct) is off: tfpipe reads job states with squeue and scontrol. GPUs (--gres) are not configured here.
set -euo pipefail
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

if [ "$cmd" = stop ]; then
  for f in "$dir/slurmd.pid" "$dir/slurmctld.pid"; do
    [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
  done
  exit 0
fi
[ "$cmd" = start ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "slurm-cluster: needs root (slurmd runs jobs as their users)" >&2; exit 1; }

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
  command -v apt-get >/dev/null || { echo "slurm-cluster: no slurm-wlm and no apt-get to install it" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi

mkdir -p "$dir/state" "$dir/spool"
dir=$(cd "$dir" && pwd)
# Two free TCP ports in a row (controller, node daemon), so that clusters of several checkouts do not meet.
port=$(python3 - <<'PY'
import socket
for base in range(16817, 17817, 2):
    try:
        socks = [socket.create_server(('127.0.0.1', p)) for p in (base, base + 1)]
    except OSError:
        continue
    for s in socks: s.close()
    print(base); break
PY
)
cpus=$(nproc)
mem=$(( $(awk '/MemTotal/{print $2}' /proc/meminfo) / 1024 / 2 ))
cat > "$dir/slurm.conf" <<CONF
ClusterName=tfpipe-test
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmctldPort=$port
SlurmdPort=$((port + 1))
NodeName=localhost CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF

if [ ! -s /etc/munge/munge.key ]; then
  mkdir -p /etc/munge
  dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
  chown munge:munge /etc/munge/munge.key
  chmod 400 /etc/munge/munge.key
fi
mkdir -p /run/munge && chown munge:munge /run/munge
pgrep -u munge munged >/dev/null || su -s /bin/sh munge -c /usr/sbin/munged

export SLURM_CONF=$dir/slurm.conf
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 1 30); do
  sinfo -h -o %T 2>/dev/null | grep -q idle && break
  sleep 1
done
sinfo -h -o %T | grep -q idle || { echo "slurm-cluster: the node did not come up; see $dir/*.log" >&2; exit 1; }
echo "SLURM_CONF=$SLURM_CONF"
