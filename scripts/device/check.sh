#!/usr/bin/env bash
# Issue 12's one device script: on a GPU machine, in one call, checks gradstyle's CUDA path against its CPU path,
# times it, times the PyTorch references on the same GPU, and measures training throughput. Run from the repo root
# with the CUDA pack carried: `make cuda` writes .build-cuda/gradstyle-cuda.tar.xz (about 16 MB); copy the public
# reference code into .build-cuda/reference/ (rosinality/{model.py,op/} from rosinality/stylegan2-pytorch, hfgi/models/
# from Tengfei-Wang/HFGI; a few hundred KB) and call the device tool with
# carry [".build-cuda/gradstyle-cuda.tar.xz", ".build-cuda/reference"] and REFERENCE_CODE=.build-cuda/reference.
# Writes at most 4 files into $OUT (the device tool returns 8): summary.txt (also printed last), results.json (every
# benchmark's JSON), failures.txt (only when something failed) and logs.tar.xz (every command's log).
# At 1024² the whole script may outlast one 10-minute device command: split it with CHECK_PARTS.
#
#   OUT=/tmp/out scripts/device/check.sh
#
# Environment:
#   OUT             where results go (the device tool sets it; default ./check-out)
#   GRADSTYLE       the gradstyle to run (default: unpack $PACK into /tmp and run its launcher)
#   PACK            the packed CUDA build (default .build-cuda/gradstyle-cuda.tar.xz)
#   CHECK_DEVICE    the device under test, compared against --device cpu (default cuda)
#   CHECK_PARTS     parts to run, in order (default "correctness bench reference train"); a device session
#                   short of time can split them over two calls
#   CHECK_TINY=1    tiny shapes, one repeat: this script's own check on a CPU-only machine (with CHECK_DEVICE=cpu)
#   REFERENCE_CODE  folder with rosinality/ (model.py, op/) and hfgi/ (models/) for the PyTorch reference timings
#   TRAIN_SECONDS   seconds per training-throughput run (default 30)
#   BENCH_REPEATS   repetitions per benchmark (median; default 5)
#
# Correctness runs with TF32 off (gradstyle's default; --tf32 allows it) and states its tolerances beside each
# check. A failed check prints one line `FAIL name: why` and the script goes on; it exits 1 if any check failed.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

OUT=${OUT:-$repo/check-out}
CHECK_DEVICE=${CHECK_DEVICE:-cuda}
CHECK_PARTS=${CHECK_PARTS:-correctness bench reference train}
CHECK_TINY=${CHECK_TINY:-0}
TRAIN_SECONDS=${TRAIN_SECONDS:-30}
BENCH_REPEATS=${BENCH_REPEATS:-5}
PYTHON=${PYTHON:-python3}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
work=$(mktemp -d /tmp/gradstyle-check.XXXXXX)
logs="$work/logs"
mkdir -p "$logs"
: >"$work/summary.txt"
failures=0

if [ "$CHECK_TINY" = 1 ]; then
    size=64 batches=1,2 repeats=1 train_size=32 train_batch=2 ref_size=64
else
    size=1024 batches=1,8,32 repeats=$BENCH_REPEATS train_size=1024 train_batch=8 ref_size=1024
fi

say() { echo "$*" | tee -a "$work/summary.txt"; }
fail() {
    failures=$((failures + 1))
    echo "FAIL $*" | tee -a "$work/summary.txt" >>"$OUT/failures.txt"
    echo "FAIL $*"
}
# run NAME CMD...: the command's output goes to logs/NAME.log; a non-zero exit is one FAIL line with its last line.
run() {
    local name=$1
    shift
    local rc=0
    "$@" >"$logs/$name.log" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then
        fail "$name: exit $rc: $(grep -v '^\s*$' "$logs/$name.log" | tail -1 | cut -c1-300)"
        return 1
    fi
}
compare() { # compare NAME A B [compare.py options]: one ok/FAIL line
    local line rc=0
    line=$("$PYTHON" scripts/device/compare.py "$@" 2>&1) || rc=$?
    if [ "$rc" -eq 0 ]; then say "$line"; else fail "${line#FAIL }"; fi
}
finish() {
    local rc=$?
    [ -n "${mem_pid:-}" ] && kill "$mem_pid" 2>/dev/null || true
    cp "$work/summary.txt" "$OUT/summary.txt" 2>/dev/null || true
    tar -C "$work" -cf - logs 2>/dev/null | xz -T0 >"$OUT/logs.tar.xz" || true
    if [ "$rc" -ne 0 ] && [ "$failures" -eq 0 ]; then echo "FAIL check.sh stopped (exit $rc); see logs.tar.xz" >>"$OUT/failures.txt"; fi
    echo "----- summary ($OUT) -----"
    cat "$work/summary.txt"
    rm -rf "$work"
}
trap finish EXIT
trap "exit 143" TERM INT

# ---- the binary ----
if [ -z "${GRADSTYLE:-}" ]; then
    pack=${PACK:-}
    [ -n "$pack" ] || pack=.build-cuda/gradstyle-cuda.tar.xz
    [ -n "$pack" ] && [ -f "$pack" ] || { fail "setup: no GRADSTYLE and no pack ($pack); run make cuda and carry it"; exit 1; }
    tar -xJf "$pack" -C "$work"
    GRADSTYLE="$work/gradstyle-cuda/gradstyle"
fi
[ -x "$GRADSTYLE" ] || { fail "setup: GRADSTYLE=$GRADSTYLE is not executable"; exit 1; }
if [ "$CHECK_DEVICE" != cpu ] && [ -z "${GRADSTYLE_TORCH_LIB:-}" ]; then
    GRADSTYLE_TORCH_LIB=$("$PYTHON" -c 'import importlib.util, os; print(os.path.join(os.path.dirname(importlib.util.find_spec("torch").origin), "lib"))') \
        || { fail "setup: $PYTHON has no torch (set GRADSTYLE_TORCH_LIB)"; exit 1; }
    export GRADSTYLE_TORCH_LIB
fi
g() { "$GRADSTYLE" "$@"; }

say "gradstyle check on $(hostname), $(date -u +%Y-%m-%dT%H:%MZ), device $CHECK_DEVICE, parts: $CHECK_PARTS$([ "$CHECK_TINY" = 1 ] && echo ' (tiny)')"
[ -f "$(dirname "$GRADSTYLE")/BUILD-INFO" ] && sed 's/^/  /' "$(dirname "$GRADSTYLE")/BUILD-INFO" | tee -a "$work/summary.txt"
{
    uname -a; ldd --version 2>&1 | head -1; command -v nvidia-smi >/dev/null && nvidia-smi
    "$PYTHON" -c 'import torch; print("python torch", torch.__version__, "cuda", torch.version.cuda)' 2>&1 || true
    [ -f "$(dirname "$GRADSTYLE")/bin/gradstyle" ] && LD_LIBRARY_PATH="$(dirname "$GRADSTYLE")/lib:${GRADSTYLE_TORCH_LIB:-}" ldd "$(dirname "$GRADSTYLE")/bin/gradstyle"
} >"$logs/environment.log" 2>&1 || true
run device-probe g bench engine --device "$CHECK_DEVICE" --repeats 1 --quiet || { say "the binary does not run on $CHECK_DEVICE: stopping"; exit 1; }
say "$(grep -m1 '^libtorch' "$logs/device-probe.log")"

fixtures=Tests/ModelsTests/Fixtures
model=models/default/model.safetensors

# ---- correctness: the device under test against the CPU, TF32 off ----
correctness() {
    say "## correctness: $CHECK_DEVICE vs cpu (fp32, TF32 off)"
    local c=$work/correct
    mkdir -p "$c/cpu" "$c/dev"
    run images g generate --device cpu --generator "$model" --seeds 100-107 --noise-mode const --out "$c/images" || return 0

    # Generators: three layouts; the CPU output is also held against the fixture PyTorch wrote (independent reference).
    local name gen lat ref
    for spec in "rosinality16 rosinality_g16.pt g16_w.npy g16_img_w.npy" "nvidia16 nv16.pt nv16_ws.npy nv16_img_w.npy"; do
        read -r name gen lat ref <<<"$spec"
        for d in cpu dev; do
            local dev=cpu; [ "$d" = dev ] && dev=$CHECK_DEVICE
            run "generate-$name-$d" g generate --device "$dev" --generator "$fixtures/$gen" --w "$fixtures/$lat" \
                --noise-mode const --out-npy "$c/$d/$name.npy" || true
        done
        [ -f "$c/cpu/$name.npy" ] && compare "generator $name cpu vs PyTorch fixture" "$c/cpu/$name.npy" "$fixtures/$ref" --rtol 1e-5
        [ -f "$c/dev/$name.npy" ] && compare "generator $name $CHECK_DEVICE vs cpu" "$c/dev/$name.npy" "$c/cpu/$name.npy" --rtol 1e-5
    done
    for d in cpu dev; do
        local dev=cpu; [ "$d" = dev ] && dev=$CHECK_DEVICE
        run "generate-default-$d" g generate --device "$dev" --generator "$model" --seeds 0-7 --noise-mode const \
            --out-npy "$c/$d/default.npy" || true
        # Encoder (e4e) and both GradStyle streams on the bundled model; latents as floats, images as PNG.
        run "invert-e4e-$d" g invert --device "$dev" --method e4e --model "$model" --input "$c/images" \
            --out "$c/$d/e4e" --save-latents || true
        run "invert-gradstyle-$d" g invert --device "$dev" --method gradstyle --model "$model" --input "$c/images" \
            --out "$c/$d/gradstyle" --save-latents || true
        run "edit-gradstyle-$d" g edit --device "$dev" --model "$model" --input "$c/images" --edit smile:1.5 \
            --edit age:-1 --out "$c/$d/edit" || true
        # One training step with gradients: Adam's first moments are (1 - β1)·gradient, so the checkpoint holds
        # the gradients; no random warps (drawn on the CPU anyway), no LPIPS/ID weights needed.
        run "train-step-$d" g train gradstyle --device "$dev" --encoder "$model" --data "$c/images" --out "$c/$d/train" \
            --steps 1 --batch 4 --optimizer adam --misalign none --lambda-lpips 0 --lambda-id 0 \
            --checkpoint-every 1 --sample-every 1000 || true
    done
    compare "generator default-model $CHECK_DEVICE vs cpu" "$c/dev/default.npy" "$c/cpu/default.npy" --rtol 1e-5
    compare "encoder e4e latents $CHECK_DEVICE vs cpu" "$c/dev/e4e/latents.npy" "$c/cpu/e4e/latents.npy" --rtol 1e-4
    compare "encoder e4e reconstructions $CHECK_DEVICE vs cpu" "$c/dev/e4e" "$c/cpu/e4e" --png-max 2 --png-frac 0.005
    compare "gradstyle reconstruction stream $CHECK_DEVICE vs cpu" "$c/dev/gradstyle" "$c/cpu/gradstyle" --png-max 2 --png-frac 0.005
    compare "gradstyle editing stream $CHECK_DEVICE vs cpu" "$c/dev/edit" "$c/cpu/edit" --png-max 3 --png-frac 0.01
    compare "train gradstyle step 1 (weights, Adam moments) $CHECK_DEVICE vs cpu" "$c/dev/train/checkpoint.safetensors" \
        "$c/cpu/train/checkpoint.safetensors" --rtol 1e-3
}

# ---- benchmarks on the device under test ----
mem_start() { # samples the GPU's used memory every 100 ms
    mem_pid=""
    command -v nvidia-smi >/dev/null || return 0
    nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 100 >"$work/mem-$1.txt" 2>/dev/null &
    mem_pid=$!
}
mem_stop() { # prints "peak N MiB over the idle M MiB"
    [ -n "${mem_pid:-}" ] || return 0
    kill "$mem_pid" 2>/dev/null || true
    wait "$mem_pid" 2>/dev/null || true
    mem_pid=""
    sort -n "$work/mem-$1.txt" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR) printf "GPU memory: peak %d MiB, %d MiB over the first sample\n", hi, hi - lo }'
}
bench() {
    say "## bench on $CHECK_DEVICE (${size}², batches $batches, median of $repeats; TF32 off)"
    local t flags
    for t in engine generator encoder gradstyle; do
        case $t in
            engine) flags=() ;;
            encoder) flags=(--batches "$batches") ;;
            *) flags=(--size "$size" --batches "$batches") ;;
        esac
        # Tiny: the bundled small model instead of the official e4e shapes, which take minutes on a CPU.
        if [ "$CHECK_TINY" = 1 ]; then
            case $t in
                encoder) flags+=(--encoder "$model") ;;
                gradstyle) flags=(--model "$model" --batches "$batches") ;;
            esac
        fi
        mem_start "$t"
        run "bench-$t" g bench "$t" --device "$CHECK_DEVICE" --repeats "$repeats" --json "$work/bench-$t.json" "${flags[@]}" || true
        local mem; mem=$(mem_stop "$t")
        grep -E '^\||GFLOP/s|images/s|peak' "$logs/bench-$t.log" | tee -a "$work/summary.txt" >/dev/null || true
        [ -n "$mem" ] && { say "$mem"; echo "$mem" >>"$logs/bench-$t.log"; }
    done
}

# ---- PyTorch on the same device, from carried public code ----
reference() {
    say "## PyTorch reference on $CHECK_DEVICE"
    if [ -z "${REFERENCE_CODE:-}" ]; then
        if [ "$CHECK_TINY" = 1 ]; then say "skipped: REFERENCE_CODE not set"; else fail "reference: REFERENCE_CODE not set (folder with rosinality/ and hfgi/)"; fi
        return 0
    fi
    local args=(--device "$CHECK_DEVICE" --size "$ref_size" --batches "$batches" --repeats "$repeats" --json "$work/reference.json")
    [ -d "$REFERENCE_CODE/rosinality" ] && args+=(--rosinality "$REFERENCE_CODE/rosinality")
    # HFGI is 1024²-only (its ADA and consultation encoder hard-code 256² inputs and 64² conditions).
    [ -d "$REFERENCE_CODE/hfgi" ] && [ "$CHECK_TINY" != 1 ] && args+=(--hfgi "$REFERENCE_CODE/hfgi")
    mem_start reference
    run reference "$PYTHON" scripts/device/reference_bench.py "${args[@]}" || true
    mem_stop reference >/dev/null
    grep '^|' "$logs/reference.log" | tee -a "$work/summary.txt" >/dev/null || true
}

# ---- training throughput: each trainer for TRAIN_SECONDS, steps/s from its own progress lines ----
timestamped() { while IFS= read -r line; do printf '%s %s\n' "$(date +%s.%N)" "$line"; done; }
throughput() { # throughput NAME BATCH: steps/s between the first and last progress lines (start-up left out)
    awk -v name="$1" -v batch="$2" '
        { for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+\/[0-9]+$/) { split($i, s, "/"); if (!n++) { t0 = $1; s0 = s[1] } t1 = $1; s1 = s[1] } }
        END { if (n >= 2 && t1 > t0 && s1 > s0) printf "%s: %.3f steps/s, %.2f images/s (steps %d..%d over %.0f s)\n", name, (s1 - s0) / (t1 - t0), batch * (s1 - s0) / (t1 - t0), s0, s1, t1 - t0;
              else printf "%s: too few progress lines to measure\n", name }' "$logs/train-$1.log"
}
train_timed() { # train_timed NAME BATCH ARGS...: runs for TRAIN_SECONDS; the timeout ending it is expected
    local name=$1 batch=$2 rc=0
    shift 2
    set +o pipefail
    { rc=0; timeout -s INT "$TRAIN_SECONDS" "$GRADSTYLE" "$@" 2>&1 || rc=$?; echo "exit $rc"; } | timestamped >"$logs/train-$name.log"
    set -o pipefail
    rc=$(tail -1 "$logs/train-$name.log" | awk '{ print $NF }')
    if [ "$rc" != 0 ] && [ "$rc" != 124 ]; then
        fail "train $name: exit $rc: $(grep -v '^\S* exit' "$logs/train-$name.log" | tail -1 | cut -d' ' -f2- | cut -c1-300)"
        return 0
    fi
    say "$(throughput "$name" "$batch")"
}
train() {
    say "## training throughput on $CHECK_DEVICE (${train_size}², ${TRAIN_SECONDS} s each; TF32 off)"
    local t=$work/train dev=(--device "$CHECK_DEVICE")
    mkdir -p "$t"
    [ -d "$work/correct/images" ] || run train-images g generate --device cpu --generator "$model" --seeds 100-107 --noise-mode const --out "$t/images" || return 0
    local images=$work/correct/images
    [ -d "$images" ] || images=$t/images
    local channels=()
    [ "$CHECK_TINY" = 1 ] && channels=(--channels 4:32,8:32,16:16,32:16 --style-dim 32 --mapping-layers 2)
    # A generator at the training shapes (one step, one checkpoint) for the encoder and GradStyle runs.
    run train-setup-stylegan2 g train stylegan2 "${dev[@]}" --data "$images" --resolution "$train_size" --out "$t/g" \
        --steps 1 --batch 2 --checkpoint-every 1 --sample-every 1000 "${channels[@]}" || return 0
    train_timed stylegan2 "$train_batch" train stylegan2 "${dev[@]}" --data "$images" --resolution "$train_size" \
        --out "$t/g-timed" --steps 1000000 --batch "$train_batch" --checkpoint-every 1000000 --sample-every 1000000 "${channels[@]}"
    local enc=(--lpips-lambda 0)
    [ "$CHECK_TINY" = 1 ] && enc+=(--depth 18 --width 0.25 --input-size 64)
    run train-setup-encoder g train encoder "${dev[@]}" --generator "$t/g/generator.safetensors" --data "$images" \
        --out "$t/e" --steps 1 --batch 2 --checkpoint-every 1 --sample-every 1000 "${enc[@]}" || return 0
    train_timed encoder "$train_batch" train encoder "${dev[@]}" --generator "$t/g/generator.safetensors" --data "$images" \
        --out "$t/e-timed" --steps 1000000 --batch "$train_batch" --checkpoint-every 1000000 --sample-every 1000000 "${enc[@]}"
    train_timed gradstyle "$train_batch" train gradstyle "${dev[@]}" --encoder "$t/e/model.safetensors" --data "$images" \
        --out "$t/s-timed" --steps 1000000 --batch "$train_batch" --lambda-lpips 0 --lambda-id 0 \
        --checkpoint-every 1000000 --sample-every 1000000
}

for part in $CHECK_PARTS; do
    case $part in
        correctness | bench | reference | train) "$part" ;;
        *) fail "CHECK_PARTS: unknown part '$part' (correctness, bench, reference, train)" ;;
    esac
done

# One JSON with every benchmark's numbers, and the ratios the issue asks for.
"$PYTHON" - "$work" "$OUT/results.json" "$CHECK_DEVICE" <<'EOF' 2>>"$logs/results.log" | tee -a "$work/summary.txt" || true
import glob, json, os, sys
work, out, device = sys.argv[1:]
results = {"device": device}
for path in sorted(glob.glob(os.path.join(work, "bench-*.json")) + glob.glob(os.path.join(work, "reference.json"))):
    results[os.path.basename(path)[:-5]] = json.load(open(path))
json.dump(results, open(out, "w"), indent=1, sort_keys=True)
def rate(rows, batch, key, want):
    for r in rows:
        if r.get("batch") == batch and want(r.get(key, "")):
            return r.get("imagesPerSecond", r.get("images_per_second"))
ref = results.get("reference", {}).get("rows", [])
gs = results.get("bench-gradstyle", {}).get("rows", [])
gen = results.get("bench-generator", {}).get("rows", [])
for batch in (1, 8):
    mine = rate(gs, batch, "stage", lambda s: s == "invert + one edit")
    theirs = rate(ref, batch, "what", lambda s: s.startswith("HFGI"))
    if mine and theirs:
        print(f"invert + one edit, batch {batch}: gradstyle {mine:.2f} images/s, HFGI {theirs:.2f}: {mine / theirs:.2f}x")
    mine = max([r["imagesPerSecond"] for r in gen if r.get("batch") == batch] or [0])
    theirs = rate(ref, batch, "what", lambda s: s.startswith("rosinality"))
    if mine and theirs:
        print(f"generator, batch {batch}: gradstyle {mine:.2f} images/s (best strategy), rosinality {theirs:.2f}: {mine / theirs:.2f}x")
EOF

if [ "$failures" -gt 0 ]; then
    say "$failures check(s) FAILED (see failures.txt)"
    exit 1
fi
say "all checks passed"
