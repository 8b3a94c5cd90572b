#!/usr/bin/env sh
# Train with several processes, on a Slurm partition or locally.
#
#   sh tools/dist_train.sh PARTITION JOB_NAME CONFIG WORK_DIR [train.py args]
#   sh tools/dist_train.sh CONFIG GPUS [train.py args]        (always local)
#
# The first form uses Slurm when the partition exists (see tools/launch.sh),
# else torchrun on this machine with GPUS processes (gloo on CPU).
set -e
. "$(cd "$(dirname "$0")" && pwd)/launch.sh"

case "$1" in
    *.py)
        [ $# -ge 2 ] || { echo "usage: $0 CONFIG GPUS [args]" >&2; exit 2; }
        CONFIG=$1; GPUS=$2; shift 2
        LAUNCHER=pytorch
        run_local train.py "$CONFIG" "$@" ;;
    *)
        [ $# -ge 4 ] || { echo "usage: $0 PARTITION JOB_NAME CONFIG WORK_DIR [args]" >&2; exit 2; }
        PARTITION=$1; JOB_NAME=$2; CONFIG=$3; WORK_DIR=$4; shift 4
        if use_slurm "$PARTITION"; then
            run_slurm "$PARTITION" "$JOB_NAME" train.py "$CONFIG" --work-dir="$WORK_DIR" "$@"
        else
            run_local train.py "$CONFIG" --work-dir="$WORK_DIR" "$@"
        fi ;;
esac
