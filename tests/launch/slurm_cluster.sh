#!/usr/bin/env bash
# A private two-node Slurm cluster on this machine, for the launch tests: munge, slurmctld
# and two slurmd ("nodes" 127.0.0.1 and 127.0.0.2), each started in the foreground in the
# background, recorded by PID and stopped by exactly those PIDs (see shared notes/launchers.md).
#
# Source it, then: slurm_start DIR; ...; slurm_stop. Sets SLURM_CONF for sbatch and friends.

slurm_pids=()

slurm_fail() { echo "slurm cluster: $*" >&2; return 1; }

# Placeholder GPUs need eight device files a node; loop devices serve where they exist.
slurm_fake_gpus() { [ "$(ls /dev/loop[0-7] 2>/dev/null | wc -l)" -eq 8 ]; }

slurm_write_conf() {
  local dir=$1 base=$2 gres=""
  slurm_fake_gpus && gres="Gres=gpu:8"
  cat >"$dir/slurm.conf" <<CONF
ClusterName=stackplantest
SlurmctldHost=localhost
SlurmctldPort=$base
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MailProg=/bin/true
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
# Nodes report the CPUs below, not this machine's: job.sbatch asks for the cores of a GPU server.
SlurmdParameters=config_overrides
MinJobAge=5
$(slurm_fake_gpus && echo GresTypes=gpu)
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/%n
SlurmdPidFile=$dir/slurmd-%n.pid
SlurmctldPidFile=$dir/slurmctld.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd-%n.log
NodeName=127.0.0.1 NodeHostname=localhost Port=$((base + 1)) CPUs=128 $gres State=UNKNOWN
NodeName=127.0.0.2 NodeHostname=localhost Port=$((base + 2)) CPUs=128 $gres State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
  # Eight placeholder GPUs a node: sbatch --test-only can weigh GPU requests.
  slurm_fake_gpus || return 0
  cat >"$dir/gres.conf" <<CONF
NodeName=127.0.0.1 Name=gpu File=/dev/loop[0-7]
NodeName=127.0.0.2 Name=gpu File=/dev/loop[0-7]
CONF
}

slurm_start() {
  local dir=$1
  local base=$((20000 + RANDOM % 20000))
  mkdir -p "$dir/munge" "$dir/state" "$dir/spool" || return 1
  chmod 755 "$dir" "$dir/munge"
  mungekey --create --keyfile="$dir/munge/munge.key" >/dev/null 2>&1 || slurm_fail "mungekey failed" || return 1
  chmod 400 "$dir/munge/munge.key"
  munged -F --force --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munge.seed" &
  slurm_pids+=($!)
  slurm_write_conf "$dir" "$base"
  export SLURM_CONF="$dir/slurm.conf"
  for _ in $(seq 50); do [ -S "$dir/munge/munge.socket" ] && break; sleep 0.1; done
  slurmctld -D -i -f "$SLURM_CONF" >"$dir/slurmctld.stdout" 2>&1 &
  slurm_pids+=($!)
  sleep 1
  slurmd -D -N 127.0.0.1 -f "$SLURM_CONF" >"$dir/slurmd1.stdout" 2>&1 &
  slurm_pids+=($!)
  slurmd -D -N 127.0.0.2 -f "$SLURM_CONF" >"$dir/slurmd2.stdout" 2>&1 &
  slurm_pids+=($!)
  for _ in $(seq 60); do
    [ "$(sinfo -h -o '%t' 2>/dev/null | grep -c idle)" -ge 1 ] && [ "$(sinfo -h -N -o '%t' 2>/dev/null | grep -c idle)" -eq 2 ] && return 0
    sleep 0.5
  done
  slurm_fail "nodes did not become idle: $(sinfo -N 2>&1 | tr '\n' ' ')"
  tail -5 "$dir/slurmctld.log" "$dir"/slurmd-*.log >&2 2>/dev/null
  return 1
}

slurm_stop() {
  local pid
  for pid in "${slurm_pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${slurm_pids[@]}"; do wait "$pid" 2>/dev/null; done
  slurm_pids=()
}
