#!/usr/bin/env sh
# Shared by dist_train.sh, dist_test.sh, slurm_train.sh and slurm_test.sh:
# run a tools/*.py script in several processes, through Slurm's srun or
# locally through torchrun. Not meant to be called directly.
#
# Slurm or local? LAUNCHER=slurm or LAUNCHER=pytorch decides. Otherwise
# (LAUNCHER=auto, the default) Slurm is used when srun is on PATH and sinfo
# lists the requested partition; anything else (no Slurm, Slurm installed
# but stopped, a partition name such as "local") runs locally.
#
# Locally, one process runs without torchrun (--launcher=none) unless
# LAUNCHER=pytorch asks for torchrun (then a 1-process group, NCCL on a GPU).
#
# Environment:
#   GPUS            processes in all (Slurm default 8, local default 1)
#   GPUS_PER_NODE   Slurm tasks per node (default: min(GPUS, 8))
#   CPUS_PER_TASK   Slurm CPUs per task (default 5)
#   SRUN_ARGS       extra srun arguments
#   GRES            srun --gres value (default gpu:GPUS_PER_NODE when the
#                   partition's nodes have GPUs, none otherwise)
#   NNODES, NODE_RANK, MASTER_ADDR, PORT   torchrun across several nodes
#   PYTHON          the interpreter (default: python)
# GPUS, GPUS_PER_NODE, CPUS_PER_TASK and NNODES must be whole numbers of at
# least 1; anything else stops the script, naming the variable (exit 2).

REDUCEKD_ROOT=$(cd "$(dirname "$0")/.." && pwd)
export PYTHONPATH="$REDUCEKD_ROOT${PYTHONPATH:+:$PYTHONPATH}"
PYTHON=${PYTHON:-python}

slurm_partition_exists() {
    command -v srun >/dev/null 2>&1 || return 1
    command -v sinfo >/dev/null 2>&1 || return 1
    [ -n "$(sinfo -h -p "$1" -o %P 2>/dev/null)" ]
}

require_count() {  # name value what: stop unless value is a whole number >= 1
    case "$2" in
        ''|0*|*[!0-9]*)
            echo "$0: $1='$2' cannot be used: $1 (the number of $3) must be a whole number of at least 1, e.g. $1=2" >&2
            exit 2 ;;
    esac
}

use_slurm() {  # $1: partition
    case "${LAUNCHER:-auto}" in
        slurm) return 0 ;;
        pytorch|local) return 1 ;;
        auto) slurm_partition_exists "$1" ;;
        *) echo "LAUNCHER must be auto, slurm or pytorch, got $LAUNCHER" >&2
           exit 2 ;;
    esac
}

run_slurm() {  # partition job script args...
    partition=$1; job=$2; script=$3; shift 3
    gpus=${GPUS:-8}
    require_count GPUS "$gpus" processes
    gpus_per_node=${GPUS_PER_NODE:-$(( gpus < 8 ? gpus : 8 ))}
    require_count GPUS_PER_NODE "$gpus_per_node" 'processes per node'
    cpus_per_task=${CPUS_PER_TASK:-5}
    require_count CPUS_PER_TASK "$cpus_per_task" 'CPUs per process'
    if [ -z "${GRES+x}" ]; then
        case "$(sinfo -h -p "$partition" -o %G 2>/dev/null)" in
            *gpu*) GRES="gpu:$gpus_per_node" ;;
            *) GRES="" ;;
        esac
    fi
    # shellcheck disable=SC2086  # SRUN_ARGS is a list of arguments
    exec srun -p "$partition" \
        --job-name="$job" \
        ${GRES:+--gres="$GRES"} \
        --ntasks="$gpus" \
        --ntasks-per-node="$gpus_per_node" \
        --cpus-per-task="$cpus_per_task" \
        --kill-on-bad-exit=1 \
        ${SRUN_ARGS:-} \
        "$PYTHON" -u "$REDUCEKD_ROOT/tools/$script" "$@" --launcher=slurm
}

run_local() {  # script args...
    script=$1; shift
    gpus=${GPUS:-1}
    require_count GPUS "$gpus" processes
    nnodes=${NNODES:-1}
    require_count NNODES "$nnodes" nodes
    if [ "$gpus" -eq 1 ] && [ "$nnodes" -eq 1 ] && [ "${LAUNCHER:-auto}" != pytorch ]; then
        exec "$PYTHON" "$REDUCEKD_ROOT/tools/$script" "$@" --launcher=none
    fi
    exec "$PYTHON" -m torch.distributed.run \
        --nnodes="$nnodes" \
        --node_rank="${NODE_RANK:-0}" \
        --master_addr="${MASTER_ADDR:-127.0.0.1}" \
        --master_port="${PORT:-29500}" \
        --nproc_per_node="$gpus" \
        "$REDUCEKD_ROOT/tools/$script" "$@" --launcher=pytorch
}
