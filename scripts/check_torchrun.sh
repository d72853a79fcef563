#!/usr/bin/env bash
# Runs a gradstyle binary, unchanged, under a real torchrun (PyPI's torch in a venv) and checks that the data-parallel
# runs end with the weights of one process with the global batch (see docs/DISTRIBUTED.md):
#   1. train classifier: torchrun --nproc-per-node 2, --batch 4  vs  one process, --batch 8
#   2. train encoder (tiny e4e): torchrun --nproc-per-node 2, --batch 2  vs  one process, --batch 4, on the bundled
#      generator with its noise strengths set to 0 (synthesis noise is drawn per rank for its rows: with the noise
#      on, the runs agree statistically, not weight for weight); and vs `gradstyle --nproc 2` (bitwise)
#   3. train classifier as two torchrun agents (--nnodes 2, node ranks 0 and 1, one master address/port, one worker
#      each) vs the same single process; and 1. again under the c10d rendezvous backend
#   4. a worker killed (SIGKILL) mid-run: what the other rank and torchrun print and exit with
#
#   scripts/check_torchrun.sh GRADSTYLE_BINARY [WORK_DIR]
#
# VENV (default /tmp/gradstyle-torchrun-venv) is created when it lacks torchrun, with
#   pip install $TORCH_PIP_ARGS    (default: torch==2.13.0+cpu --extra-index-url https://download.pytorch.org/whl/cpu:
#                                   the version checked (docs/DISTRIBUTED.md), CPU wheel; an unpinned `torch` may
#                                   resolve to PyPI's newer default wheel, which pulls several GB of CUDA libraries)
# Tiny models on 24 synthetic faces, one thread per rank: a few minutes on a CPU. Exit status 0 when 1–3 match within
# their tolerances and 4 stops every process. Classifier: 1e-5 (summation order). Encoder: ENCODER_TOL, default 1e-4
# (its lr): Adam normalises the rounding-level gradients of a few batch-norm biases into steps of up to lr.
set -euo pipefail
B=$(realpath "${1:?gradstyle binary (e.g. .build/release/gradstyle)}"); W=${2:-$(mktemp -d)}
VENV=${VENV:-/tmp/gradstyle-torchrun-venv}
ENCODER_TOL=${ENCODER_TOL:-1e-4}
M=$(cd "$(dirname "$0")/.." && pwd)/models/default/model.safetensors
mkdir -p "$W"; W=$(realpath "$W"); D=$W/faces

if [ ! -x "$VENV/bin/torchrun" ]; then
  python3 -m venv "$VENV"
  # shellcheck disable=SC2086
  "$VENV/bin/pip" install --quiet ${TORCH_PIP_ARGS:-torch==2.13.0+cpu --extra-index-url https://download.pytorch.org/whl/cpu}
fi
TR=$VENV/bin/torchrun
echo "torchrun: torch $("$VENV/bin/python" -c 'import torch; print(torch.__version__)'), $("$VENV/bin/python" --version)"
echo "gradstyle: $B"

# The largest absolute difference between the float tensors of two safetensors files (parsed here: header JSON, then
# raw little-endian data), and how many tensors differ by more than TOL. Exit 1 when names differ or any does.
compare() {  # compare A B TOL LABEL
  "$VENV/bin/python" - "$@" <<'PY'
import json, struct, sys, array
def read(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n)); data = f.read()
    out = {}
    for name, t in header.items():
        if name == '__metadata__' or t['dtype'] != 'F32':
            continue
        a, b = t['data_offsets']
        out[name] = array.array('f', data[a:b])
    return out
a, b, tol, label = read(sys.argv[1]), read(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
if sorted(a) != sorted(b):
    print(f"{label}: FAIL, tensor names differ"); sys.exit(1)
gaps = {k: max((abs(x - y) for x, y in zip(a[k], b[k])), default=0.0) for k in a}
worst = max(gaps, key=gaps.get)
over = [k for k in gaps if gaps[k] > tol]
n = sum(len(v) for v in a.values())
print(f"{label}: {len(a)} tensors ({n} values), largest difference {gaps[worst]:.3g} ({worst}), "
      f"{sum(g > 1e-5 for g in gaps.values())} over 1e-5, {len(over)} over {tol:g}: {'ok' if not over else 'FAIL'}")
sys.exit(1 if over else 0)
PY
}

T="--threads 1 --quiet --seed 3"
[ -f "$D/labels.csv" ] || "$B" data synth --count 24 --out "$D" --size 64 --seed 1 --quiet
# cls|enc OUT BATCH LAUNCHER...: the training, started by LAUNCHER (the binary, or torchrun … binary); EXTRA: more
# options of the verb
cls() { local out=$1 batch=$2; shift 2
  "$@" train classifier --data "$D" --size 32 --widths 8,8 --steps 4 --no-flip --checkpoint-every 100 $T \
    --out "$out" --batch "$batch" ${EXTRA:-}; }
enc() { local out=$1 batch=$2; shift 2
  "$@" train encoder --generator "$W/quiet-generator.safetensors" --data "$D" --type e4e --input-size 32 --units 1,1,1,1 --width 0.25 \
    --optimizer adam --steps 3 --no-xflip --lpips-lambda 0 --sample-every 100 --checkpoint-every 100 $T \
    --out "$out" --batch "$batch" ${EXTRA:-}; }
port() { "$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
status=0

rm -rf "$W"/cls1 "$W"/cls2 "$W"/enc1 "$W"/enc2 "$W"/encp "$W"/clsn "$W"/clsc "$W"/kill
# The bundled model with the generator's noise strengths (decoder.*.noise.weight) set to 0.
"$VENV/bin/python" - "$M" "$W/quiet-generator.safetensors" <<'PY'
import json, re, struct, sys
with open(sys.argv[1], 'rb') as f:
    n = struct.unpack('<Q', f.read(8))[0]; header = f.read(n); data = bytearray(f.read())
zeroed = 0
for name, t in json.loads(header).items():
    if re.fullmatch(r'decoder\.(conv1|convs\.\d+)\.noise\.weight', name):
        a, b = t['data_offsets']; data[a:b] = bytes(b - a); zeroed += 1
with open(sys.argv[2], 'wb') as f:
    f.write(struct.pack('<Q', n)); f.write(header); f.write(data)
print(f"generator noise strengths set to 0: {zeroed} tensors")
PY
echo "== 1. train classifier: torchrun --nproc-per-node 2 --batch 4 vs --batch 8"
cls "$W/cls1" 8 "$B"
cls "$W/cls2" 4 "$TR" --no-python --nproc-per-node 2 --master-port "$(port)" "$B"
compare "$W/cls1/classifier.safetensors" "$W/cls2/classifier.safetensors" 1e-5 classifier || status=1

echo "== 2. train encoder: torchrun --nproc-per-node 2 --batch 2 vs --batch 4"
enc "$W/enc1" 4 "$B"
enc "$W/enc2" 2 "$TR" --no-python --nproc-per-node 2 --master-port "$(port)" "$B"
compare "$W/enc1/model.safetensors" "$W/enc2/model.safetensors" "$ENCODER_TOL" encoder || status=1
EXTRA="--nproc 2" enc "$W/encp" 2 "$B"
compare "$W/encp/model.safetensors" "$W/enc2/model.safetensors" 0 "encoder, torchrun vs --nproc 2" || status=1

echo "== 3. train classifier: two torchrun agents (--nnodes 2, node ranks 0 and 1) --batch 4 vs --batch 8"
P=$(port)
node() { cls "$W/clsn" 4 "$TR" --no-python --nnodes 2 --node-rank "$1" --nproc-per-node 1 --master-addr 127.0.0.1 \
  --master-port "$P" "$B"; }
node 1 > "$W/node1.log" 2>&1 & N1=$!
node 0; wait $N1 || { echo "node 1 failed:"; cat "$W/node1.log"; status=1; }
compare "$W/cls1/classifier.safetensors" "$W/clsn/classifier.safetensors" 1e-5 "classifier, 2 nodes" || status=1

echo "== 3b. the same under the c10d rendezvous backend (--rdzv-backend c10d, a store the agents host elsewhere)"
cls "$W/clsc" 4 "$TR" --no-python --rdzv-backend c10d --rdzv-endpoint "127.0.0.1:$(port)" --nnodes 1 \
  --nproc-per-node 2 "$B"
if cmp -s "$W/cls2/classifier.safetensors" "$W/clsc/classifier.safetensors"; then echo "c10d rendezvous: ok (byte-identical to 1.)"
else echo "c10d rendezvous: FAIL (differs from 1.)"; status=1; fi

echo "== 4. a worker killed mid-run (SIGKILL to local rank 1)"
set +e
"$TR" --no-python --nproc-per-node 2 --master-port "$(port)" "$B" train classifier --data "$D" --size 32 \
  --widths 8,8 --steps 100000 --batch 4 --checkpoint-every 100000 --dist-timeout 60 $T --out "$W/kill" \
  > "$W/kill.log" 2>&1 & A=$!
victim=""
for _ in $(seq 1 300); do  # the worker of local rank 1: the agent's child with LOCAL_RANK=1 in its environment
  for c in $(pgrep -P "$A"); do grep -qz '^LOCAL_RANK=1$' "/proc/$c/environ" 2>/dev/null && victim=$c; done
  [ -n "$victim" ] && [ -f "$W/kill/.gradstyle.lock" ] && break
  sleep 0.1
done
sleep 2
started=$(date +%s.%N)
[ -n "$victim" ] && kill -KILL "$victim"
wait $A; rc=$?
ended=$(date +%s.%N)
set -e
echo "killed worker $victim; torchrun exited $rc after $(python3 -c "print(f'{$ended-$started:.1f}')") s; its output:"
sed 's/^/    /' "$W/kill.log" | tail -40
left=$(pgrep -f -- "--out $W/kill" || true)
crash=$(grep -c "Fatal error\|crashed\|SIGILL\|SIGSEGV" "$W/kill.log" || true)
if [ -z "$victim" ] || [ "$rc" = 0 ] || [ -n "$left" ] || [ "$crash" != 0 ]; then
  echo "kill: FAIL (victim '$victim', rc $rc, left '$left', crash reports $crash)"; status=1
else echo "kill: ok (torchrun exited non-zero, the other rank without a crash, no process of the run left)"; fi
[ $status = 0 ] && echo "all checks passed ($W)"
exit $status
