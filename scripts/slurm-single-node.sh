#!/usr/bin/env bash
# Brings up a single-node Slurm on this machine from Debian's packages
# (slurm-wlm, munge), so docs/cluster.md's job array runs as written:
# `setup.sh --slurm` calls it. Works without systemd (the daemons are
# started directly) and inside containers (no cgroups: linuxproc process
# tracking, no task plugin). Idempotent: a running daemon is left alone.
# Root, or sudo, is needed to install and to run slurmd.
set -euo pipefail
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo

if ! dpkg -s slurm-wlm munge >/dev/null 2>&1; then
    $sudo apt-get update -q
    $sudo apt-get install -y -q slurm-wlm munge
fi

host=$(hostname -s)
cpus=$(nproc)
# RealMemory a little under what the kernel reports, or slurmd refuses
# the node as having less than configured.
mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 9 / 10 ))

# munge: a key, and its daemon.
if [ ! -s /etc/munge/munge.key ]; then
    $sudo mungekey --create --force
fi
$sudo mkdir -p /run/munge /var/log/munge /var/lib/munge
$sudo chown -R munge:munge /etc/munge /run/munge /var/log/munge /var/lib/munge 2>/dev/null || true
if ! pgrep -x munged >/dev/null; then
    $sudo -u munge munged 2>/dev/null || $sudo munged --force
fi

# Slurm: one node, one partition, everything on this machine.
$sudo mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
conf=/etc/slurm/slurm.conf
want=$(cat <<CONF
# Written by abilab's scripts/slurm-single-node.sh: a one-node cluster.
ClusterName=abilab
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
)
if [ ! -f "$conf" ] || [ "$(cat "$conf")" != "$want" ]; then
    echo "$want" | $sudo tee "$conf" >/dev/null
    # A changed configuration: restart what runs.
    $sudo pkill -x slurmctld 2>/dev/null || true
    $sudo pkill -x slurmd 2>/dev/null || true
    sleep 1
fi
pgrep -x slurmctld >/dev/null || $sudo slurmctld
pgrep -x slurmd >/dev/null || $sudo slurmd
# Wait for the node to register, then make sure it takes jobs.
for _ in $(seq 1 30); do
    if sinfo -h -o '%T' 2>/dev/null | grep -qE 'idle|mixed|allocated'; then
        break
    fi
    $sudo scontrol update nodename="$host" state=resume 2>/dev/null || true
    sleep 1
done
sinfo
