#!/usr/bin/env bash
# Train the shipped autoencoder weights (seqcoder-ae-p4@1) from scratch and install them.
#
# The shipped version 1 was trained on a 2-core CPU with one torch thread and a wall-clock
# budget (the machine had no GPU); the manifest records the iterations actually done.
# On a GPU, drop --time-budget/--threads, use --device cuda --batch 128 --lr 5e-4 and the
# published 20,000 iterations per file, and bump --version.
#
# Held out of training (used for evaluation): dnacorpus EsCo and BuEb, leptospira_noguchii,
# staphylococcus_phage_SAOMS1.
set -euo pipefail
cd "$(dirname "$0")/.."
G=${GENOMES:-../shared/data/genomes}
OUT=${OUT:-runs/shipped}
PY=${PY:-.venv/bin/python}

PYTHONPATH=src "$PY" -m seqcoder.train \
  "$G/haemophilus_influenzae_RdKW20_NC_000907_from_genbank.fna" \
  "$G/pseudomonas_aeruginosa_PAO1_NC_002516.2.fna" \
  "$G/clostridioides_difficile_BR81_NZ_CP019870.1.fna" \
  --out "$OUT" --iterations 20000 --eval-every 100 --eval-chunks 256 \
  --batch 32 --lr 1e-3 --threads 1 --time-budget "${BUDGET:-3800}" \
  --name seqcoder-ae-p4 --version 1

# install: the weights file and its manifest entry
PYTHONPATH=src "$PY" - "$OUT" <<'PY'
import json, shutil, sys
from pathlib import Path
from seqcoder.models import zoo
out = Path(sys.argv[1])
for entry in zoo.read_manifest_dir(out):
    shutil.copy2(out / entry["file"], zoo.WEIGHTS_DIR / entry["file"])
    zoo.write_manifest_entry(zoo.WEIGHTS_DIR, entry)
    print("installed", entry["name"], entry["version"], entry["sha256"])
PY
