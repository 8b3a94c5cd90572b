#!/usr/bin/env sh
# Test a checkpoint on a Slurm partition through srun (always Slurm).
#   GPUS=8 sh tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [test.py args]
set -e
. "$(cd "$(dirname "$0")" && pwd)/launch.sh"
[ $# -ge 4 ] || { echo "usage: $0 PARTITION JOB_NAME CONFIG CHECKPOINT [args]" >&2; exit 2; }
PARTITION=$1; JOB_NAME=$2; CONFIG=$3; CHECKPOINT=$4; shift 4
run_slurm "$PARTITION" "$JOB_NAME" test.py "$CONFIG" "$CHECKPOINT" "$@"
