#!/bin/sh
# cm payload version 3: each change on the 19 development genomes and EsCo, with xz -9e
# timed in the same run. Usage: sh benchmarks/cm_v3.sh [OUTDIR]
# (from the repository root, with the .venv of the README; about 1.5 hours on 2 busy cores;
# the logs in benchmarks/results/cm_v3 were made by these commands, run as 2-3 parallel jobs)
set -e
OUT=${1:-benchmarks/results/cm_v3}
. benchmarks/cm_env.sh
OFF="light=(0,11,22,4,8,0)"
$PY $T -l 4 --decode --xz $G/*.fna > "$OUT/g19_L4_v3.txt"
$PY $T -l 4 --set racc=0 $G/*.fna > "$OUT/g19_L4_v2.txt"
$PY $T -l 5 $G/*.fna > "$OUT/g19_L5_v3.txt"
$PY $T -l 5 --set "$OFF" $G/*.fna > "$OUT/g19_L5_racc.txt"
$PY $T -l 5 --set racc=0 --set "$OFF" $G/*.fna > "$OUT/g19_L5_v2.txt"
$PY $T -l 9 --xz $G/*.fna > "$OUT/g19_L9_v3.txt"
$PY $T -l 9 --set "$OFF" $G/*.fna > "$OUT/g19_L9_racc.txt"
$PY $T -l 9 --set racc=0 --set "$OFF" $G/*.fna > "$OUT/g19_L9_v2.txt"
for lv in 1 4 9; do
  $PY $T -l $lv --decode --xz $E > "$OUT/esco_L${lv}_v3.txt"
done
$PY $T -l 5 $E > "$OUT/esco_L5_v3.txt"
$PY $T -l 4 --set racc=0 --decode --xz $E > "$OUT/esco_L4_v2.txt"
$PY $T -l 9 --set racc=0 --set "$OFF" $E > "$OUT/esco_L9_v2.txt"
