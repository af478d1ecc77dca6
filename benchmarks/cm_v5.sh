#!/bin/sh
# cm payload version 5 (the prior's output layer adapted online at levels 5-9): the
# 19 development genomes and EsCo at levels 5 and 9 (version 4 beside it: --version 4), and
# the whole-process speed against xz -9e -T1 in interleaved rounds (benchmarks/speed_vs_xz.py).
# Usage: sh benchmarks/cm_v5.sh [OUTDIR] [PART]   PART a, b or speed (default: all).
# a and b can run side by side on two cores (about 10 minutes each); speed alone (8 minutes).
# A log that exists is kept: delete it to redo it. From the repository root, with the .venv.
set -e
OUT=${1:-benchmarks/results/cm_v5}
PART=${2:-all}
. benchmarks/cm_env.sh
if [ "$PART" = a ] || [ "$PART" = all ]; then
  run g19_L5_v5.txt $PY $T -l 5 --decode $G/*.fna
  run esco_L5_v5.txt $PY $T -l 5 --decode $E
  run esco_L9_v5.txt $PY $T -l 9 --decode $E
  # level 9's hidden mixer: 16 units (version 4's) and none, beside the 8 of version 5
  run esco_L9_h16.txt $PY $T -l 9 --decode --set "hmix=(16,3)" $E
  run esco_L9_h0.txt $PY $T -l 9 --decode --set "hmix=(0,6)" $E
fi
if [ "$PART" = b ] || [ "$PART" = all ]; then
  run g19_L9_v5.txt $PY $T -l 9 --decode $G/*.fna
fi
if [ "$PART" = speed ] || [ "$PART" = all ]; then
  [ -s "$OUT/speed_vs_xz.json" ] || $PY benchmarks/speed_vs_xz.py --levels 4,5,9 --rounds 4 \
      --json "$OUT/speed_vs_xz.json" "$E" > "$OUT/speed_vs_xz.txt"
fi
