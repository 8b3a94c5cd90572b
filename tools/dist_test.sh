#!/usr/bin/env sh
# Test a checkpoint with several processes, on a Slurm partition or locally.
#
#   sh tools/dist_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [--eval accuracy ...]
#   sh tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py args]  (always local)
set -e
. "$(cd "$(dirname "$0")" && pwd)/launch.sh"

case "$1" in
    *.py)
        [ $# -ge 3 ] || { echo "usage: $0 CONFIG CHECKPOINT GPUS [args]" >&2; exit 2; }
        CONFIG=$1; CHECKPOINT=$2; GPUS=$3; shift 3
        LAUNCHER=pytorch
        run_local test.py "$CONFIG" "$CHECKPOINT" "$@" ;;
    *)
        [ $# -ge 4 ] || { echo "usage: $0 PARTITION JOB_NAME CONFIG CHECKPOINT [args]" >&2; exit 2; }
        PARTITION=$1; JOB_NAME=$2; CONFIG=$3; CHECKPOINT=$4; shift 4
        if use_slurm "$PARTITION"; then
            run_slurm "$PARTITION" "$JOB_NAME" test.py "$CONFIG" "$CHECKPOINT" "$@"
        else
            run_local test.py "$CONFIG" "$CHECKPOINT" "$@"
        fi ;;
esac
