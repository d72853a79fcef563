#!/usr/bin/env bash
# Runs short fixed-seed trainings of every trainer (StyleGAN2, e4e and pSp encoders, GradStyle and its one-shot
# baseline, the attribute classifier), each straight and as a split run resumed half-way, with two builds of the CLI,
# and compares every file they write, byte for byte: a refactoring of the training code must leave them identical.
#
#   scripts/compare_training_runs.sh OLD_BINARY NEW_BINARY [WORK_DIR]
#
# Tiny models on 16 synthetic faces, one thread: a few minutes on a CPU. Exit status 0 when everything matches.
set -euo pipefail
OLD=${1:?old gradstyle binary}; NEW=${2:?new gradstyle binary}; W=${3:-$(mktemp -d)}
M=$(cd "$(dirname "$0")/.." && pwd)/models/default/model.safetensors
D=$W/data

runs() {  # runs BINARY OUT (output folders relative to OUT, so that what the runs print compares too)
  local B=$1 O=. T="--threads 1 --quiet"
  mkdir -p "$2"
  cd "$2"
  sg() { "$B" train stylegan2 --data "$D" --resolution 16 --channels 4:16,8:16,16:8 --style-dim 16 --mapping-layers 2 \
    --batch 4 --sample-every 2 --checkpoint-every 3 --seed 1 $T "$@"; }
  sg --out "$O/sg" --steps 6 > "$O/sg.txt"
  sg --out "$O/sg_split" --steps 3 > "$O/sg_split.txt"
  sg --out "$O/sg_split" --steps 6 --resume >> "$O/sg_split.txt"
  sg --out "$O/sg_kimg" --kimg 0.02 --mixing 1 --no-xflip > "$O/sg_kimg.txt"
  enc() { "$B" train encoder --generator "$M" --data "$D" --type e4e --input-size 64 --units 1,1,1,1 --width 0.25 \
    --batch 2 --lpips-lambda 0 --progressive-start 2 --progressive-step-every 1 --w-discriminator-lambda 0.1 \
    --d-reg-every 2 --w-pool-size 3 --sample-every 2 --checkpoint-every 3 --seed 2 $T "$@"; }
  enc --out "$O/enc" --steps 6 > "$O/enc.txt"
  enc --out "$O/enc_split" --steps 3 > "$O/enc_split.txt"
  enc --out "$O/enc_split" --steps 6 --resume >> "$O/enc_split.txt"
  "$B" train encoder --generator "$M" --data "$D" --type psp --input-size 64 --units 1,1,1,1 --width 0.25 --batch 2 \
    --lpips-lambda 0 --w-norm-lambda 0.01 --optimizer adam --sample-every 2 --checkpoint-every 3 --seed 2 $T \
    --out "$O/psp" --steps 4 > "$O/psp.txt"
  gs() { "$B" train gradstyle --encoder "$M" --data "$D" --batch 2 --optimizer adam --stages 8,16,32 \
    --residual-channels 8 --heads 1 --head-dim 8 --lambda-lpips 0 --lambda-id 0 --checkpoint-every 3 --sample-every 2 \
    --seed 5 $T "$@"; }
  gs --out "$O/gs" --steps 6 > "$O/gs.txt"
  gs --out "$O/gs_split" --steps 3 > "$O/gs_split.txt"
  gs --out "$O/gs_split" --steps 6 --resume >> "$O/gs_split.txt"
  gs --out "$O/gs_ss" --steps 4 --single-stage --misalign feature_warp --merge-into "$M" > "$O/gs_ss.txt"
  cls() { "$B" train classifier --data "$D" --size 16 --widths 8,8 --batch 4 --checkpoint-every 3 \
    --validation-fraction 0.25 --seed 3 $T "$@"; }
  cls --out "$O/cls" --steps 6 > "$O/cls.txt"
  cls --out "$O/cls_split" --steps 3 > "$O/cls_split.txt"
  cls --out "$O/cls_split" --steps 6 --resume >> "$O/cls_split.txt"
}

[ -f "$D/labels.csv" ] || "$OLD" data synth --count 16 --out "$D" --size 128 --seed 1 --quiet
[ -d "$W/old" ] || (runs "$OLD" "$W/old")
rm -rf "$W/new"; (runs "$NEW" "$W/new")

status=0
count=0
while IFS= read -r f; do
  count=$((count + 1))
  cmp -s "$W/old/$f" "$W/new/$f" || { echo "differs: $f"; status=1; }
done < <(cd "$W/old" && find . -type f ! -name '.gradstyle.lock' | sort)
extra=$(cd "$W/new" && find . -type f ! -name '.gradstyle.lock' | sort | comm -13 <(cd "$W/old" && find . -type f ! -name '.gradstyle.lock' | sort) -)
[ -z "$extra" ] || { echo "only in the new runs: $extra"; status=1; }
[ $status = 0 ] && echo "all $count files identical ($W)"
exit $status
