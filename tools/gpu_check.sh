#!/usr/bin/env sh
# The prepared GPU check: on a CUDA machine without network, install reducekd
# from a wheelhouse next to the machine's own torch, run the GPU tests and the
# GPU benchmark, and write one markdown report.
#
#   sh tools/gpu_check.sh [WHEELHOUSE] [OUT_DIR]
#
# WHEELHOUSE (default: wheelhouse) comes from `make wheelhouse PY=<the GPU
# machine's Python>` on a machine with a network. OUT_DIR (default:
# work_dirs/gpu_check) receives venv/, tests.xml, gpu_step_cost.json and
# report.md. PYTHON (default: python3) is the interpreter whose torch is used:
# the new venv sees its site-packages through a .pth file, so that torch is
# neither reinstalled nor downloaded. Budget: under 6 minutes on one GPU
# (install ~1 min, tests ~3 min, benchmark ~1 min); each step has a timeout
# and a failed step is reported, not hidden, while the others still run.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WHEELS=$(cd "${1:-wheelhouse}" 2>/dev/null && pwd) || {
    echo "$0: wheelhouse '${1:-wheelhouse}' not found: build it with" \
         "'make wheelhouse PY=3.12' where there is a network and copy it here" >&2
    exit 2; }
OUT=${2:-$ROOT/work_dirs/gpu_check}
PYTHON=${PYTHON:-python3}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

"$PYTHON" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' || {
    echo "$0: $PYTHON has no CUDA-enabled torch (torch.cuda.is_available() is False);" \
         "run this on the GPU machine, or set PYTHON to its interpreter" >&2
    exit 2; }

echo "[1/3] install from $WHEELS next to $("$PYTHON" -c 'import torch; print("torch", torch.__version__)')"
rm -rf "$OUT/venv"
"$PYTHON" -m venv "$OUT/venv"
VENV_PY=$OUT/venv/bin/python
SITE=$("$VENV_PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
"$PYTHON" -c 'import site; print("\n".join(site.getsitepackages()))' > "$SITE/machine_torch.pth"
PIP_CONFIG_FILE=/dev/null PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    timeout 180 "$VENV_PY" -m pip install --quiet --find-links "$WHEELS" \
    "reducekd[lite,tests,deploy]" > "$OUT/install.log" 2>&1
INSTALL=$?

cd "$ROOT"
echo "[2/3] GPU tests (pytest -m gpu tests/gpu)"
timeout 240 "$VENV_PY" -m pytest -m gpu tests/gpu -q -rfEs \
    --junitxml="$OUT/tests.xml" > "$OUT/tests.log" 2>&1
TESTS=$?
tail -n 20 "$OUT/tests.log"

echo "[3/3] GPU benchmark (tools/benchmark/gpu_step_cost.py)"
timeout 120 "$VENV_PY" tools/benchmark/gpu_step_cost.py \
    --out "$OUT/gpu_step_cost.json" 2>"$OUT/benchmark.log"
BENCH=$?

"$VENV_PY" tools/analysis/gpu_report.py --out-dir "$OUT" \
    --status "install=$INSTALL" "tests=$TESTS" "benchmark=$BENCH"
echo "report: $OUT/report.md"
[ "$INSTALL" -eq 0 ] && [ "$TESTS" -eq 0 ] && [ "$BENCH" -eq 0 ]
