#!/usr/bin/env bash
# Issue 18's device script: trains the 128² default stack (`RECIPE=128 scripts/train_default_model.sh`) on a GPU
# machine within the device tool's limits, one call at a time. Each call trains for at most TRAIN_SECONDS, stops
# the run with SIGTERM (every stage checkpoints atomically, so at most one checkpoint interval is lost), measures
# the generator it has reached, and writes to $OUT (the device tool returns 8 files of at most 16 MiB):
#   summary.txt            where each stage stands, the generator's FD(classifier)/KID, what to do next (also printed)
#   generator.safetensors  the EMA generator reached (13 MB), for FD here and, once it is final, to commit as float16:
#                          gradstyle bundle convert generator.safetensors --storage float16 \
#                            --out models/retrain-128/generator.safetensors
#   bundle.part-00…02      the finished float16 bundle in 15 MiB parts (cat bundle.part-* > model.safetensors)
#   classifier.safetensors, directions.tar   the finished stack's classifier and directions
#   logs.tar.xz            the training log and the generator's latest samples
#
# Within one session the run folder ($RUN, under the git-ignored runs/) stays on the warm machine between calls,
# so the next call resumes it. A fresh machine starts again: the generator's 94 MB training state is more than the
# device tool carries (64 MiB). Hence the two halves: STOP_AFTER=generator trains the generator alone; commit it
# (float16, above); a later session trains the rest on it with GENERATOR=models/retrain-128/generator.safetensors.
#
#   OUT=/tmp/out scripts/device/train_default_128.sh          # carry [".build-cuda/gradstyle-cuda.tar.xz"]
#
# Environment:
#   OUT            where results go (the device tool sets it; default ./train-out)
#   GRADSTYLE      the gradstyle to run (default: unpack $PACK into /tmp and run its launcher, which finds the
#                  machine's torch itself: scripts/cuda-launcher)
#   PACK           the packed CUDA build (default .build-cuda/gradstyle-cuda.tar.xz, from `make cuda`)
#   DEVICE         the device to train on (default cuda; cpu with tiny step counts checks this script here)
#   RUN            the run folder (default runs/r128-device)
#   TRAIN_SECONDS  training time of this call (default 480: with the measurement, one 10-minute device command)
#   FD_COUNT       images per side for FD(classifier) and KID (default 1000, the model card's protocol)
#   STOP_AFTER, GENERATOR, GAN_STEPS, GAN_TAIL_STEPS, ENC_STEPS, CLS_STEPS, GS_STEPS, SS_STEPS, HFGI_STEPS
#                  passed to scripts/train_default_model.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

OUT=${OUT:-$PWD/train-out}
DEVICE=${DEVICE:-cuda}
RUN=${RUN:-runs/r128-device}
TRAIN_SECONDS=${TRAIN_SECONDS:-480}
FD_COUNT=${FD_COUNT:-1000}
mkdir -p "$OUT" "$RUN"
OUT=$(cd "$OUT" && pwd)
RUN=$(cd "$RUN" && pwd)
work=$(mktemp -d /tmp/gradstyle-train128.XXXXXX)
summary="$work/summary.txt"
: >"$summary"
say() { echo "$*" | tee -a "$summary"; }
finish() {
    local rc=$?
    cp "$summary" "$OUT/summary.txt" 2>/dev/null || true
    mkdir -p "$work/logs"
    cp "$RUN/train.log" "$work/logs/" 2>/dev/null || true
    for d in "$RUN"/stylegan2 "$RUN"/stylegan2_tail; do
        [ -d "$d/samples" ] && mkdir -p "$work/logs/${d##*/}" &&
            ls -t "$d/samples" | head -2 | while read -r f; do cp "$d/samples/$f" "$work/logs/${d##*/}/"; done
    done
    tar -C "$work" -cf - logs 2>/dev/null | xz -T0 >"$OUT/logs.tar.xz" || true
    [ "$rc" -eq 0 ] || echo "train_default_128.sh stopped (exit $rc); see logs.tar.xz" | tee -a "$OUT/summary.txt"
    echo "----- summary ($OUT) -----"
    cat "$OUT/summary.txt"
    rm -rf "$work"
}
trap finish EXIT

if [ -z "${GRADSTYLE:-}" ]; then
    pack=${PACK:-.build-cuda/gradstyle-cuda.tar.xz}
    [ -f "$pack" ] || { say "no GRADSTYLE and no pack ($pack): run make cuda and carry it"; exit 1; }
    tar -xJf "$pack" -C "$work"
    GRADSTYLE="$work/gradstyle-cuda/gradstyle"
fi
[ -x "$GRADSTYLE" ] || { say "GRADSTYLE=$GRADSTYLE is not executable"; exit 1; }
g() { "$GRADSTYLE" "$@"; }

say "train_default_128.sh on $(hostname), $(date -u +%Y-%m-%dT%H:%MZ), device $DEVICE, run $RUN, $TRAIN_SECONDS s"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total --format=csv,noheader | sed 's/^/  /' | tee -a "$summary"

# ---- train: the recipe script, stopped after TRAIN_SECONDS ----
start=$(date +%s)
rc=0
timeout -s TERM -k 30 "$TRAIN_SECONDS" env RECIPE=128 DEVICE="$DEVICE" BIN="$GRADSTYLE" RUN="$RUN" INSTALL=0 \
    scripts/train_default_model.sh >>"$RUN/train.log" 2>&1 || rc=$?
elapsed=$(($(date +%s) - start))
case $rc in
0) say "training: finished what was asked in ${elapsed} s" ;;
124) say "training: stopped after ${elapsed} s (TRAIN_SECONDS); call again to resume" ;;
*) say "training: failed (exit $rc) after ${elapsed} s: $(tr '\r' '\n' <"$RUN/train.log" | grep -v '^\s*$' | tail -1 | cut -c1-300)" ;;
esac

# ---- where each stage stands: its last progress line ----
for stage in stylegan2 stylegan2_tail encoder classifier gradstyle single_stage hfgi; do
    [ -d "$RUN/$stage" ] || continue
    state="started"
    [ -f "$RUN/$stage/checkpoint.safetensors" ] && state="checkpointed"
    say "  $stage: $state"
done
tr '\r' '\n' <"$RUN/train.log" | grep -E '^(train|sample) ' | tail -1 | sed 's/^/  last progress: /' | tee -a "$summary" || true

# ---- the generator reached: FD(classifier) and KID against rendered faces, as models/default/MODEL_CARD.md ----
generator=""
if [ -n "${GENERATOR:-}" ]; then generator=$GENERATOR
else
    for f in "$RUN/stylegan2_tail/generator.safetensors" "$RUN/stylegan2/generator.safetensors"; do
        [ -f "$f" ] && { generator=$f; break; }
    done
fi
if [ -n "$generator" ]; then
    [ -z "${GENERATOR:-}" ] && cp "$generator" "$OUT/generator.safetensors"
    real="$RUN/fd-real-$FD_COUNT"
    [ -d "$real" ] || g data synth --count "$FD_COUNT" --out "$real" --size 128 --seed 20261130 --quiet >/dev/null
    g generate --device "$DEVICE" --generator "$generator" --seeds "0-$((FD_COUNT - 1))" --out "$work/fake" --quiet >/dev/null
    g eval pairs --device "$DEVICE" --fid --real "$real" --fake "$work/fake" \
        --classifier models/default/classifier.safetensors --kid-subset-size $((FD_COUNT / 2)) --quiet 2>&1 |
        grep -E 'FD|KID' | sed "s|^|  ${generator#"$RUN"/}: |" | tee -a "$summary" || say "  FD: failed (see above)"
fi

# ---- the finished stack ----
if [ -f "$RUN/bundle/model.safetensors" ]; then
    split -b 15M -d "$RUN/bundle/model.safetensors" "$OUT/bundle.part-"
    cp "$RUN/bundle/classifier.safetensors" "$OUT/"
    tar -C "$RUN/bundle" -cf "$OUT/directions.tar" directions
    say "bundle: complete ($(stat -c %s "$RUN/bundle/model.safetensors") bytes): cat bundle.part-* > model.safetensors," \
        "then MODEL=folder scripts/evaluate_default_model.sh bundled"
elif [ "$rc" -eq 0 ] && [ "${STOP_AFTER:-}" = generator ]; then
    say "next: commit generator.safetensors as float16 (see this script's header), then a session runs" \
        "GENERATOR=models/retrain-128/generator.safetensors $0"
fi
