#!/usr/bin/env bash
# Measures data-parallel scaling on this machine: each training once in one process with the global batch and once
# as 2 Gloo processes (`--nproc 2`, half the batch each), one intra-op thread per process. Seconds per step are taken
# from two runs of different lengths, (T(long) - T(short)) / (steps difference), so start-up, rendezvous and the
# first step cancel (the fastest of REPEATS, default 2); the 2-process runs also print rank 0's own figures (step time
# without start-up, gradient all-reduce ms/step) at their end.
#
#   scripts/measure_data_parallel_scaling.sh GRADSTYLE_BINARY [WORK_DIR] [classifier|encoder|stylegan2 ...]
#
# Other load on the machine distorts the figures: run it on idle cores (docs/PERFORMANCE.md says how it was run).
set -euo pipefail
B=$(realpath "${1:?gradstyle binary}"); W=${2:-$(mktemp -d)}; shift; [ $# -gt 0 ] && shift
WHICH=${*:-classifier encoder stylegan2}
M=$(cd "$(dirname "$0")/.." && pwd)/models/default/model.safetensors
mkdir -p "$W"; D=$W/faces
[ -f "$D/labels.csv" ] || "$B" data synth --count 64 --out "$D" --size 64 --seed 1 --quiet
T="--threads 1 --seed 3"

train() {  # train VERB GLOBAL_BATCH STEPS NPROC OUT
  local verb=$1 batch=$(( $2 / $4 )) steps=$3 n=$4 out=$5 np=""
  [ "$n" -gt 1 ] && np="--nproc $n"
  rm -rf "$out"
  case $verb in
    classifier) "$B" train classifier --data "$D" --size 64 --batch $batch --steps $steps --checkpoint-every 100000 \
                  --out "$out" $np $T ;;
    encoder) "$B" train encoder --generator "$M" --data "$D" --type e4e --input-size 64 --units 1,1,1,1 --width 0.25 \
               --optimizer adam --lpips-lambda 0 --batch $batch --steps $steps --sample-every 100000 \
               --checkpoint-every 100000 --out "$out" $np $T ;;
    stylegan2) "$B" train stylegan2 --data "$D" --resolution 32 --channels 4:64,8:64,16:32,32:16 --style-dim 64 \
                 --mapping-layers 2 --batch $batch --steps $steps --sample-every 100000 --checkpoint-every 100000 \
                 --out "$out" $np $T ;;
  esac
}

seconds() { local s e; s=$(date +%s.%N); train "$@" > "$W/last.log" 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc; }

REPEATS=${REPEATS:-2}
for verb in $WHICH; do
  case $verb in classifier) G=32 S1=5 S2=45 ;; encoder) G=8 S1=2 S2=22 ;; stylegan2) G=16 S1=5 S2=45 ;; esac
  for n in 1 2; do
    best=""
    for r in $(seq 1 "$REPEATS"); do  # the fastest repeat: other load only ever slows a run down
      t1=$(seconds $verb $G $S1 $n "$W/$verb-$n-a")
      t2=$(seconds $verb $G $S2 $n "$W/$verb-$n-b")
      per=$(echo "scale=4; ($t2 - $t1) / ($S2 - $S1)" | bc)
      echo "  $verb, $n process(es), repeat $r: ${t1}s for $S1 steps, ${t2}s for $S2 steps: $per s/step"
      grep -h "rank 0 of" "$W/last.log" | sed 's/^/      /' || true
      if [ -z "$best" ] || [ "$(echo "$per < $best" | bc)" = 1 ]; then best=$per; fi
    done
    echo "$verb, global batch $G, $n process(es): $best s/step, $(echo "scale=1; $G / $best" | bc) images/s"
  done
done
