#!/usr/bin/env bash
# A single-node Slurm on this machine (Debian's slurmctld + slurmd + munge, as root), for trying the array scripts:
#
#   apt-get install -y --no-install-recommends slurmctld slurmd slurm-client munge
#   python/benchtop-ray/slurm/local-slurm.sh start DIR      # config, state and logs in DIR; prints the SLURM_CONF to export
#   export SLURM_CONF=DIR/slurm.conf; BENCHTOP=$PWD/.build/release/benchtop PYTHONPATH=$PWD/python/benchtop-ray/src \
#     SBATCH_ARGS="--output=DIR/%x-%A_%a.log" python/benchtop-ray/slurm/submit.sh sweep sweeps/x.yaml out/x 3
#   python/benchtop-ray/slurm/local-slurm.sh stop DIR       # ends the daemons it started (by their pid files)
#
# The daemons talk over 127.0.0.1 (ports 16817/16818). Not part of CI: see docs/scale.md.
set -euo pipefail
cmd=${1:?start|stop}; dir=$(mkdir -p "${2:?DIR}" && cd "$2" && pwd)
host=$(hostname -s); cpus=$(nproc)
case "$cmd" in
start)
  mkdir -p "$dir/state" "$dir/spool" /run/munge
  chown munge:munge /run/munge
  cat > "$dir/slurm.conf" <<CONF
ClusterName=benchtop
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=4000 State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
  if [ ! -S /run/munge/munge.socket.2 ]; then
    su -s /bin/sh munge -c /usr/sbin/munged
    sleep 1
    cp /run/munge/munged.pid "$dir/munged.pid"   # started here, so stopped here
  fi
  /usr/sbin/slurmctld -f "$dir/slurm.conf"
  /usr/sbin/slurmd -f "$dir/slurm.conf"
  for _ in $(seq 30); do SLURM_CONF="$dir/slurm.conf" sinfo -h -o %t 2>/dev/null | grep -q idle && break; sleep 1; done
  SLURM_CONF="$dir/slurm.conf" sinfo
  echo "export SLURM_CONF=$dir/slurm.conf"
  ;;
stop)
  for p in slurmd slurmctld munged; do
    [ -f "$dir/$p.pid" ] && kill "$(cat "$dir/$p.pid")" 2>/dev/null || true
  done
  ;;
esac
