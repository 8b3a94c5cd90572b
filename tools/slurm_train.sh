#!/usr/bin/env sh
# Train on a Slurm partition through srun (always Slurm).
#   GPUS=8 sh tools/slurm_train.sh PARTITION JOB_NAME CONFIG WORK_DIR [train.py args]
set -e
. "$(cd "$(dirname "$0")" && pwd)/launch.sh"
[ $# -ge 4 ] || { echo "usage: $0 PARTITION JOB_NAME CONFIG WORK_DIR [args]" >&2; exit 2; }
PARTITION=$1; JOB_NAME=$2; CONFIG=$3; WORK_DIR=$4; shift 4
run_slurm "$PARTITION" "$JOB_NAME" train.py "$CONFIG" --work-dir="$WORK_DIR" "$@"
