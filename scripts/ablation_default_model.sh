#!/usr/bin/env bash
# The ablation suite of GRADSTYLE.md on the bundled default model: every variant trained from the bundle's frozen e4e
# encoder and generator with the same recipe, budget (STEPS, default 300 at batch 4) and seed, once per seed in SEEDS;
# VARIANTS (names below, default all) picks a subset.
# Each seed's variants are merged into one bundle, RUN/ablation/seedS/all.safetensors, with one network per variant;
# `gradstyle eval` then treats the bundles as repeats:
#   gradstyle eval reconstruction --model RUN/ablation/seed*/all.safetensors --count 64 --out results/ablation
# Resumable: finished variants are skipped, interrupted ones resume from their checkpoint. The training images are
# rendered with seed 1 as in scripts/train_default_model.sh (RUN/data is reused when it is there).
# docs/RESULTS.md's ablation ran: SEEDS=7 (every variant) and
#   SEEDS=8 VARIANTS="gradstyle single_stage first_design window_global misalign_all_full attention_full"
# with THREADS=1 and two runs side by side (a variant's result does not depend on what it is merged into).
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BIN:-.build/release/gradstyle}
RUN=${RUN:-runs/default}
SEEDS=${SEEDS:-"7 8"}
STEPS=${STEPS:-300}
VARIANTS=${VARIANTS:-all}
THREADS=${THREADS:-2}
MODEL=${MODEL:-models/default/model.safetensors}
[ -d "$RUN/data" ] && [ -f "$RUN/data/labels.csv" ] || $B data synth --count 12000 --out "$RUN/data" --size 128 --seed 1
common="--encoder $MODEL --data $RUN/data --steps $STEPS --batch 4 --lr 0.0005 --optimizer adam \
  --stages 8,16,32 --residual-channels 32 --heads 2 --head-dim 16 --lambda-lpips 0 --lambda-id 0 \
  --checkpoint-every 100 --sample-every $STEPS --threads $THREADS --quiet"
variants=(
  "gradstyle:"                                          # the default: 3 stages, selective, gate, motion-gated Aligner,
                                                        # 7×7 windows at 32², warp mixture + aligner loss
  "first_design:--aligner-path attention --window 0 --misalign-mix 0:0:1 --edit-trains-residuals"  # as first shipped
  "edit_trains_residuals:--edit-trains-residuals"       # the editing losses also train the residual modules
  "aligner_scalar_gate:--aligner-path scalar_gate"      # F + γ·A instead of the motion gate
  "window_global:--window 0"                            # attention over all positions at every stage
  "position_relative:--position-encoding relative"      # learned bias per window offset
  "misalign_all_full:--misalign-mix 0:0:1"              # every sample warped at full strength
  "single_stage:--single-stage"                          # one-shot: one stage at the finest (32²), full attention
  "attention_full:--attention full"
  "fusion_add:--fusion add"
  "fusion_modulation:--fusion modulation"
  "keys_reconstruction:--key-source reconstruction"
  "keys_both:--key-source both"
  "misalign_none:--misalign none"
  "misalign_feature_warp:--misalign feature_warp"
  "position_sinusoidal:--position-encoding sinusoidal"     # not in the paper: position codes for the Aligner
)
for seed in $SEEDS; do
  dir=$RUN/ablation/seed$seed
  prev=""
  for v in "${variants[@]}"; do
    name=${v%%:*}; flags=${v#*:}
    [ "$VARIANTS" = all ] || [[ " $VARIANTS " == *" $name "* ]] || continue
    out=$dir/$name
    merge=""; [ -n "$prev" ] && merge="--merge-into $prev"
    if [ -f "$out/DONE" ]; then
      echo "seed $seed $name: done"
    else
      r=""; [ -f "$out/checkpoint.safetensors" ] && r="--resume"
      echo "seed $seed $name: training ($(date +%T))"
      # shellcheck disable=SC2086
      $B train gradstyle $common --seed $seed --out "$out" --prefix $name $merge $flags $r
      touch "$out/DONE"
    fi
    prev=$out/model.safetensors
  done
  cp "$prev" "$dir/all.safetensors.tmp" && mv "$dir/all.safetensors.tmp" "$dir/all.safetensors"
  echo "seed $seed: $dir/all.safetensors"
done
echo "ABLATION DONE"
