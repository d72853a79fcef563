#!/usr/bin/env bash
# The evaluation behind docs/RESULTS.md and docs/PERFORMANCE.md: both protocols on the bundled model, both protocols
# on the ablation bundles of scripts/ablation_default_model.sh (every seed as a repeat), and the benchmarks.
# Outputs go to OUT (default results/): each protocol writes NAME.md, CSVs, JSON, SVG charts and index.html.
# Run the benchmarks on an otherwise idle machine: they are medians, but two cores shared with a training run are not.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BIN:-.build/release/gradstyle}
RUN=${RUN:-runs/default}
OUT=${OUT:-results}
THREADS=${THREADS:-2}
# The bundle folder the "bundled" protocols measure: models/default, or a retrain's $RUN/bundle before it is installed.
MODEL=${MODEL:-models/default}
mkdir -p "$OUT"
what=${1:-all}

if [ "$what" = all ] || [ "$what" = bundled ]; then
  # Each report folder is replaced whole: gradstyle refuses to write a run into a folder holding another's files.
  rm -rf "$OUT/bundled/reconstruction" "$OUT/bundled/editing"
  $B eval reconstruction --model "$MODEL/model.safetensors" --classifier "$MODEL/classifier.safetensors" --count 64 \
    --out "$OUT/bundled/reconstruction" --threads "$THREADS" --quiet
  $B eval editing --model "$MODEL/model.safetensors" --classifier "$MODEL/classifier.safetensors" \
    --directions "$MODEL/directions" --count 64 --strengths 0,1,2 --out "$OUT/bundled/editing" --threads "$THREADS" --quiet
fi
if [ "$what" = all ] || [ "$what" = ablation ]; then
  models=$(ls "$RUN"/ablation/seed*/all.safetensors)
  rm -rf "$OUT/ablation/reconstruction" "$OUT/ablation/editing"
  # shellcheck disable=SC2086
  $B eval reconstruction --model $models --classifier models/default/classifier.safetensors --count 64 \
    --out "$OUT/ablation/reconstruction" --threads "$THREADS" --quiet
  # shellcheck disable=SC2086
  $B eval editing --model $models --directions models/default/directions --classifier models/default/classifier.safetensors \
    --count 32 --strengths 0,2 --out "$OUT/ablation/editing" --threads "$THREADS" --quiet
fi
if [ "$what" = all ] || [ "$what" = bench ]; then
  $B bench generator --size 1024 --batches 1,2 --repeats 3 --threads "$THREADS" --json "$OUT/bench_generator_1024.json" | tee "$OUT/bench_generator_1024.md"
  $B bench gradstyle --threads "$THREADS" --batches 1,4,16 --repeats 5 --json "$OUT/bench_gradstyle_64.json" | tee "$OUT/bench_gradstyle_64.md"
  $B bench gradstyle --size 1024 --threads "$THREADS" --batches 1,2 --repeats 2 --json "$OUT/bench_gradstyle_1024.json" | tee "$OUT/bench_gradstyle_1024.md"
fi
