#!/bin/sh
# The learned prior of the cm coder: the held-out check of its recipe, then the shipped prior.
# Usage: sh benchmarks/train_prior.sh   (from the repository root, with the README's .venv;
# about 5 minutes each on one CPU thread)
#
# 1. the recipe on 15 genomes, 4 kept out (weights in runs/prior-heldout, not shipped); its gain
#    in the coder: .venv/bin/python benchmarks/prior_gain.py --prior-dir runs/prior-heldout FILES
# 2. the shipped prior: the same recipe on all 19 genomes, into src/seqcoder/models/weights
set -e
G=../shared/data/genomes
[ -d "$G" ] || G=/work/shared/data/genomes
HELD="--heldout haemophilus_influenzae_RdKW20_NC_000907_from_genbank.fna
      --heldout mycobacterium_tuberculosis_H37Rv_AL123456.fna
      --heldout streptococcus_pyogenes_M1GAS_NC_002737_from_genbank.fna
      --heldout thermodesulfatator_indicus_DSM15286_CP002683.1.fna"
if [ "${1:-all}" != shipped ]; then
  .venv/bin/seqcoder train-prior $G/*.fna $HELD --out runs/prior-heldout --no-progress
fi
if [ "${1:-all}" != heldout ]; then
  .venv/bin/seqcoder train-prior $G/*.fna --no-progress
fi
