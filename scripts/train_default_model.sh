#!/usr/bin/env bash
# Trains the bundled default model (models/default/) from nothing, with the project's own commands.
# Every stage checkpoints and resumes: run the script again after an interruption and it continues where it was.
# The exact commands, seeds, step counts and wall times are recorded in models/default/MODEL_CARD.md.
#
#   RUN=/somewhere/with/space scripts/train_default_model.sh                  # the shipped 64² model (CPU, ~2.5 h)
#   RECIPE=128 RUN=/somewhere/with/space scripts/train_default_model.sh       # the 128² retrain (issue 18)
#
# RECIPE=128 is the larger stack: on this project's 2-core CPU its generator takes 0.7–1.8 s/step depending on the
# machine (22,000 steps ≈ 4–11 h) and the rest ~2–4 h, more than one session, and twice the machine was replaced
# between sessions, taking the run with it: it needs a GPU (DEVICE=cuda runs every stage there, resuming the same
# checkpoints) or a machine that is kept. STOP_AFTER=generator stops after stage 2; GENERATOR=file skips stage 2 and
# trains the rest of the stack on that generator (one trained elsewhere, e.g. on a GPU and copied back), so the two
# halves can run on different machines. THREADS=N passes --threads N (default: every core). INSTALL=0 stops before
# models/default/ is replaced, leaving the finished bundle in $RUN/bundle/ to be evaluated first
# (scripts/evaluate_default_model.sh).
#
# Stages (each skipped or resumed from its checkpoint; delete a folder to redo that stage):
#   1. 12,000 synthetic faces at 128² (seed 1)                     → $RUN/data
#   2. StyleGAN2 (64²: small widths, 5,000 steps; 128²: 20,000 steps at lr 0.0025, then 2,000 at 0.001 in a copy)
#                                                                   → $RUN/stylegan2[_tail]/generator.safetensors
#   3. e4e encoder (128² input, IR units 1,1,1,1, width ¼)          → $RUN/encoder/model.safetensors
#   4. attribute classifier on the rendered labels                  → $RUN/classifier/classifier.safetensors
#   5. InterFaceGAN directions from classifier-labelled samples     → $RUN/directions/*.npy
#   6. GradStyle (stages 8, 16, 32: the encoder pyramid of a 128² input; motion-gated Aligners, 7×7 windows at 32²)
#      and the one-shot baseline (32², full attention)             → $RUN/single_stage/model.safetensors
#      (the shipped 64² one-shot baseline was trained before the fusion stopped learning from the editing losses,
#      hence its --edit-trains-fusion; the 128² recipe trains it as GradStyle is trained)
#   7. HFGI's networks at GradStyle's budget on the stack's e4e     → $RUN/hfgi/model.safetensors
#   8. the bundle with HFGI merged in (128²: stored as float16), the classifier and directions → $RUN/bundle/,
#      then copied into models/default/ unless INSTALL=0
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BIN:-.build/release/gradstyle}
RUN=${RUN:-runs/default}
RECIPE=${RECIPE:-64}
COMMON="${DEVICE:+--device $DEVICE} ${THREADS:+--threads $THREADS}"
[ -x "$B" ] || swift build -c release --product gradstyle
resume() { [ -f "$1/checkpoint.safetensors" ] && echo --resume || true; }

case $RECIPE in
64)
    GAN_STEPS=${GAN_STEPS:-5000}; GAN_TAIL_STEPS=0; ENC_STEPS=${ENC_STEPS:-3000}
    GS_STEPS=${GS_STEPS:-1000}; SS_STEPS=${SS_STEPS:-500}; HFGI_STEPS=${HFGI_STEPS:-1000}
    GAN_ARGS="--resolution 64 --channels 4:128,8:128,16:64,32:32,64:16 --style-dim 128 --r1 0.2 --ema-kimg 1
              --sample-every 250 --seed 1"
    ENC_ARGS=""
    SS_ARGS="--edit-trains-fusion"
    STORAGE=float32
    ;;
128)
    GAN_STEPS=${GAN_STEPS:-20000}; GAN_TAIL_STEPS=${GAN_TAIL_STEPS:-2000}; ENC_STEPS=${ENC_STEPS:-6000}
    GS_STEPS=${GS_STEPS:-1000}; SS_STEPS=${SS_STEPS:-500}; HFGI_STEPS=${HFGI_STEPS:-1000}
    GAN_ARGS="--resolution 128 --channels 4:256,8:256,16:128,32:64,64:32,128:16 --style-dim 256 --r1 0.4 --ema-kimg 10
              --sample-every 1000 --seed 11"
    # map2style blocks 128 wide: at the style dim (256) the 12 blocks alone would hold 26.8 M parameters
    ENC_ARGS="--style-block-width 128"
    SS_ARGS=""
    STORAGE=float16
    ;;
*) echo "train_default_model.sh: RECIPE=$RECIPE is not 64 or 128" >&2; exit 2 ;;
esac
GAN_ARGS="$GAN_ARGS --mapping-layers 4 --batch 8 --path-regularize 0 --checkpoint-every 250"
case ${STOP_AFTER:-} in ""|generator) ;; *) echo "train_default_model.sh: STOP_AFTER=$STOP_AFTER is not 'generator'" >&2; exit 2 ;; esac

[ -f $RUN/data/labels.csv ] || $B data synth --count 12000 --out $RUN/data --size 128 --seed 1

if [ -n "${GENERATOR:-}" ]; then
    [ -f "$GENERATOR" ] || { echo "train_default_model.sh: GENERATOR=$GENERATOR does not exist" >&2; exit 2; }
    GEN=$GENERATOR
else
    $B train stylegan2 $COMMON --data $RUN/data --out $RUN/stylegan2 --steps $GAN_STEPS $GAN_ARGS --lr 0.0025 \
      $(resume $RUN/stylegan2)
    GEN=$RUN/stylegan2/generator.safetensors
    if [ "$GAN_TAIL_STEPS" -gt 0 ]; then
        # The last steps at a lower learning rate, in a copy, so the main run's folder stays at its planned end.
        [ -f $RUN/stylegan2_tail/checkpoint.safetensors ] || { mkdir -p $RUN/stylegan2_tail &&
            cp $RUN/stylegan2/checkpoint.safetensors $RUN/stylegan2_tail/; }
        $B train stylegan2 $COMMON --data $RUN/data --out $RUN/stylegan2_tail --steps $((GAN_STEPS + GAN_TAIL_STEPS)) \
          $GAN_ARGS --lr 0.001 --resume
        GEN=$RUN/stylegan2_tail/generator.safetensors
    fi
fi
if [ "${STOP_AFTER:-}" = generator ]; then echo "generator: $GEN"; exit 0; fi

$B train encoder $COMMON --generator $GEN --data $RUN/data --type e4e --out $RUN/encoder \
  --steps $ENC_STEPS --batch 8 --lr 0.0005 --input-size 128 --units 1,1,1,1 --width 0.25 $ENC_ARGS \
  --progressive-start 300 --progressive-step-every 100 --lpips-lambda 0 --checkpoint-every 250 --sample-every 250 \
  --seed 2 $(resume $RUN/encoder)

$B train classifier $COMMON --data $RUN/data --out $RUN/classifier --steps ${CLS_STEPS:-2000} --batch 32 --size 64 --seed 3 \
  $(resume $RUN/classifier)

[ -f $RUN/samples/w.npy ] || $B directions sample $COMMON --generator $GEN \
  --classifier $RUN/classifier/classifier.safetensors --count 4000 --out $RUN/samples --seed 4
for a in smile yaw age eyeglasses hair_hue; do
  [ -f $RUN/directions/$a.npy ] || $B directions fit --latents $RUN/samples/w.npy --labels $RUN/samples/labels.csv \
    --attribute $a --out $RUN/directions --ratio 0.3 $([ $a = eyeglasses ] && echo --threshold 0.5)
done

GS_ARGS="--batch 4 --lr 0.0005 --optimizer adam --stages 8,16,32 --residual-channels 32 --heads 2 --head-dim 16
         --lambda-lpips 0 --lambda-id 0 --checkpoint-every 100 --sample-every 100"
$B train gradstyle $COMMON --encoder $RUN/encoder/model.safetensors --data $RUN/data --out $RUN/gradstyle \
  --steps $GS_STEPS $GS_ARGS --seed 5 $(resume $RUN/gradstyle)
$B train gradstyle $COMMON --encoder $RUN/encoder/model.safetensors --data $RUN/data --out $RUN/single_stage \
  --steps $SS_STEPS $GS_ARGS --single-stage $SS_ARGS --merge-into $RUN/gradstyle/model.safetensors --seed 6 \
  $(resume $RUN/single_stage)

$B train hfgi $COMMON --encoder $RUN/encoder/model.safetensors --data $RUN/data --out $RUN/hfgi --steps $HFGI_STEPS \
  --batch 4 --optimizer adam --lr 0.0005 --lambda-lpips 0 --lambda-id 0 --noise const --checkpoint-every 50 \
  --sample-every 100 --seed 9 $(resume $RUN/hfgi)

mkdir -p $RUN/bundle/directions
$B bundle merge $RUN/single_stage/model.safetensors $RUN/hfgi/model.safetensors --storage $STORAGE \
  --out $RUN/bundle/model.safetensors
cp $RUN/classifier/classifier.safetensors $RUN/bundle/classifier.safetensors
cp $RUN/directions/*.npy $RUN/directions/*.json $RUN/bundle/directions/
echo "$RUN/bundle complete"
if [ "${INSTALL:-1}" != 0 ]; then
    mkdir -p models/default/directions
    cp $RUN/bundle/model.safetensors $RUN/bundle/classifier.safetensors models/default/
    cp $RUN/bundle/directions/* models/default/directions/
    echo "models/default updated"
fi
