#!/usr/bin/env bash
# Trains the bundled default model (models/default/) from nothing, with the project's own commands, on a CPU.
# Every stage checkpoints and resumes: run the script again after an interruption and it continues where it was.
# The exact commands, seeds and step counts used for the shipped files are recorded in models/default/MODEL_CARD.md.
#
#   RUN=/somewhere/with/space scripts/train_default_model.sh
#
# Stages (each skipped when its output exists; delete the folder to redo one):
#   1. 12,000 synthetic faces at 128² (seed 1)               → $RUN/data
#   2. StyleGAN2 64², small widths                            → $RUN/stylegan2/generator.safetensors
#   3. e4e encoder (128² input, IR units 1,1,1,1, width ¼)   → $RUN/encoder/model.safetensors
#   4. attribute classifier on the rendered labels            → $RUN/classifier/classifier.safetensors
#   5. InterFaceGAN directions from classifier-labelled samples → $RUN/directions/*.npy
#   6. GradStyle (stages 8, 16, 32: the encoder pyramid of a 128² input; motion-gated Aligners, 7×7 windows at 32²)
#      and the one-shot baseline (32², full attention) → $RUN/gradstyle/model.safetensors
# Step counts default to the shipped model's (MODEL_CARD.md); the shipped one-shot baseline was trained before the
# fusion stopped learning from the editing losses, hence its --edit-trains-fusion.
#   7. HFGI's networks at GradStyle's budget on the bundle's e4e → $RUN/hfgi/model.safetensors
#   8. the bundle with HFGI merged in, and the small files, into models/default/
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BIN:-.build/release/gradstyle}
RUN=${RUN:-runs/default}
GAN_STEPS=${GAN_STEPS:-5000}
ENC_STEPS=${ENC_STEPS:-3000}
GS_STEPS=${GS_STEPS:-1000}
SS_STEPS=${SS_STEPS:-500}
HFGI_STEPS=${HFGI_STEPS:-1000}
CLS_STEPS=${CLS_STEPS:-2000}
[ -x "$B" ] || swift build -c release --product gradstyle
resume() { [ -f "$1/checkpoint.safetensors" ] && echo --resume || true; }

[ -f $RUN/data/labels.csv ] || $B data synth --count 12000 --out $RUN/data --size 128 --seed 1

$B train stylegan2 --data $RUN/data --resolution 64 --out $RUN/stylegan2 --steps $GAN_STEPS \
  --channels 4:128,8:128,16:64,32:32,64:16 --style-dim 128 --mapping-layers 4 --batch 8 --lr 0.0025 \
  --r1 0.2 --ema-kimg 1 --path-regularize 0 --checkpoint-every 250 --sample-every 250 --seed 1 --threads 2 $(resume $RUN/stylegan2)

$B train encoder --generator $RUN/stylegan2/generator.safetensors --data $RUN/data --type e4e --out $RUN/encoder \
  --steps $ENC_STEPS --batch 8 --lr 0.0005 --input-size 128 --units 1,1,1,1 --width 0.25 \
  --progressive-start 300 --progressive-step-every 100 --lpips-lambda 0 --checkpoint-every 250 --sample-every 250 \
  --seed 2 --threads 2 $(resume $RUN/encoder)

$B train classifier --data $RUN/data --out $RUN/classifier --steps $CLS_STEPS --batch 32 --size 64 --seed 3 \
  --threads 2 $(resume $RUN/classifier)

[ -f $RUN/samples/w.npy ] || $B directions sample --generator $RUN/stylegan2/generator.safetensors \
  --classifier $RUN/classifier/classifier.safetensors --count 4000 --out $RUN/samples --seed 4
for a in smile yaw age eyeglasses hair_hue; do
  [ -f $RUN/directions/$a.npy ] || $B directions fit --latents $RUN/samples/w.npy --labels $RUN/samples/labels.csv \
    --attribute $a --out $RUN/directions --ratio 0.3 $([ $a = eyeglasses ] && echo --threshold 0.5)
done

$B train gradstyle --encoder $RUN/encoder/model.safetensors --data $RUN/data --out $RUN/gradstyle --steps $GS_STEPS \
  --batch 4 --lr 0.0005 --optimizer adam --stages 8,16,32 --residual-channels 32 --heads 2 --head-dim 16 --lambda-lpips 0 --lambda-id 0 \
  --checkpoint-every 100 --sample-every 100 --seed 5 --threads 2 $(resume $RUN/gradstyle)
$B train gradstyle --encoder $RUN/encoder/model.safetensors --data $RUN/data --out $RUN/single_stage --steps $SS_STEPS \
  --batch 4 --lr 0.0005 --optimizer adam --stages 8,16,32 --residual-channels 32 --heads 2 --head-dim 16 --lambda-lpips 0 --lambda-id 0 \
  --single-stage --edit-trains-fusion --merge-into $RUN/gradstyle/model.safetensors --checkpoint-every 100 --sample-every 100 --seed 6 \
  --threads 1 $(resume $RUN/single_stage)

$B train hfgi --encoder $RUN/single_stage/model.safetensors --data $RUN/data --out $RUN/hfgi --steps $HFGI_STEPS \
  --batch 4 --optimizer adam --lr 0.0005 --lambda-lpips 0 --lambda-id 0 --noise const --checkpoint-every 50 \
  --sample-every 100 --seed 9 --threads 1 $(resume $RUN/hfgi)

mkdir -p models/default/directions
$B bundle merge $RUN/single_stage/model.safetensors $RUN/hfgi/model.safetensors --out models/default/model.safetensors
cp $RUN/classifier/classifier.safetensors models/default/classifier.safetensors
cp $RUN/directions/*.npy $RUN/directions/*.json models/default/directions/
echo "models/default updated"
