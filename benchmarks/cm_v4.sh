#!/bin/sh
# cm payload version 4 (the learned prior, the encoder's per-block choices, the
# hidden-layer mixer): each change on the 19 development genomes and EsCo, with xz -9e timed in
# the same runs. Usage: sh benchmarks/cm_v4.sh [OUTDIR] [PART]
#   PART a, b or speed (default: all three). a and b can run side by side on two cores (about
#   15 and 25 minutes), speed alone (5 minutes). A log that exists is kept: delete it to redo it.
# From the repository root, with the README's .venv.
set -e
OUT=${1:-benchmarks/results/cm_v4}
PART=${2:-all}
. benchmarks/cm_env.sh
if [ "$PART" = a ] || [ "$PART" = all ]; then
  # level 4: the version-3 model; it + the prior; level 3's models + the prior (the new level
  # 4 without the light choice); the new level 4
  run g19_L4_v3.txt $PY $T -l 4 --version 3 $G/*.fna
  run g19_L4_prior.txt $PY $T -l 4 --choices 2 --set "models=_LOW" --set "rep=(14,22,12,3,3)" $G/*.fna
  run g19_L4_lean.txt $PY $T -l 4 --choices 2 $G/*.fna
  run g19_L4_v4.txt $PY $T -l 4 --decode --xz $G/*.fna
  # the prior's gain per genome: shipped (trained on all 19) and held-out recipe (15 genomes)
  run prior_gain_shipped.log $PY benchmarks/prior_gain.py -l 4 --json "$OUT/prior_gain_shipped.json" $G/*.fna
  run prior_gain_heldout.log $PY benchmarks/prior_gain.py -l 4 --prior-dir runs/prior-heldout \
      --json "$OUT/prior_gain_heldout.json" $G/*.fna
fi
if [ "$PART" = b ] || [ "$PART" = all ]; then
  # level 9: the version-3 model; the new one without the hidden-layer mixer; the new one
  run g19_L9_v3.txt $PY $T -l 9 --version 3 $G/*.fna
  run g19_L9_prior.txt $PY $T -l 9 --set "hmix=(0,6)" $G/*.fna
  run g19_L9_v4.txt $PY $T -l 9 --decode --xz $G/*.fna
  for lv in 1 4 5 9; do
    run esco_L${lv}_v4.txt $PY $T -l $lv --decode --xz $E
  done
  run esco_L4_v3.txt $PY $T -l 4 --version 3 $E
  run esco_L9_v3.txt $PY $T -l 9 --version 3 $E
  run g19_L5_v4.txt $PY $T -l 5 $G/*.fna
fi
if [ "$PART" = speed ] || [ "$PART" = all ]; then
  # whole process against xz -9e -T1 in the same run, best of 3 (run it alone on the machine)
  [ -s "$OUT/esco_bench.json" ] || .venv/bin/seqcoder bench --codecs cm@4,cm@9 --baselines xz \
      --repeat 3 -q --json "$OUT/esco_bench.json" $E
fi
