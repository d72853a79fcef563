#!/usr/bin/env bash
# Ablation suite (GRADSTYLE.md) at one small budget: 400 steps, batch 4, seed 7 for every variant, on the stages
# trained by scripts/train_default_model.sh (RUN as there). Then:
#   gradstyle demo --model $RUN/ablation/all.safetensors --directions models/default/directions --count 64
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BIN:-.build/release/gradstyle}
RUN=${RUN:-runs/default}
common="--encoder $RUN/encoder/model.safetensors --data $RUN/data --steps 400 --batch 4 --lr 0.0005 --optimizer adam \
  --stages 8,16,32 --residual-channels 32 --heads 2 --head-dim 16 --lambda-lpips 0 --lambda-id 0 \
  --checkpoint-every 100 --sample-every 400 --seed 7 --threads 2 --quiet"
prev=$RUN/single_stage/model.safetensors
for v in "gradstyle_400:" "fusion_add:--fusion add" "attention_full:--attention full" "no_misalign:--misalign none" "keys_reconstruction:--key-source reconstruction"; do
  name=${v%%:*}; flags=${v#*:}
  out=$RUN/ablation/$name
  r=""; [ -f $out/checkpoint.safetensors ] && r="--resume"
  [ -f $out/model.safetensors ] && [ ! -f $out/checkpoint.safetensors ] || \
    $B train gradstyle $common --out $out --prefix $name --merge-into $prev $flags $r
  prev=$out/model.safetensors
done
cp $prev $RUN/ablation/all.safetensors
echo "ABLATION DONE"
