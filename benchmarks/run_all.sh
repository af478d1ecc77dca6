#!/usr/bin/env bash
# Regenerate the committed benchmark results of `seqcoder bench` and print their tables.
#
#   benchmarks/run_all.sh                 # both corpora (~20-30 min on 2 cores)
#   ONLY=dnacorpus benchmarks/run_all.sh  # one corpus
#
# Writes benchmarks/results/{dnacorpus,genomes}.{json,md} and {dnacorpus,genomes}_{bpb,speed}.png,
# then prints their tables (benchmarks/render_readme.py --print).
# Settings come from the environment (defaults below).
# Exit status: 0 when every row passed.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD

PY=${PY:-$ROOT/.venv/bin/python}
[ -x "$PY" ] || PY=python3
DATA=${DATA:-$ROOT/../shared/data}
OUT=${OUT:-$ROOT/benchmarks/results}
ONLY=${ONLY:-all}                      # all | dnacorpus | genomes
BASELINES=${BASELINES:-all}            # see: $PY -m seqcoder.bench --help
REPEAT=${REPEAT:-1}
TIMEOUT=${TIMEOUT:-3600}               # seconds per step before it counts as failed
# ae-zstd decodes at ~50 kB/s, so it runs on DNAcorpus only unless GENOME_CODECS says otherwise
DNACORPUS_CODECS=${DNACORPUS_CODECS:-cm@1,cm@4,cm@9,ae-zstd@default,ae-cm@default,2bit@default}
GENOME_CODECS=${GENOME_CODECS:-cm@1,cm@4,cm@9,2bit@default}
MODEL=${MODEL:-}                       # --model for the ae-* codecs (default: the shipped one)

# Benchmark a snapshot of src/, so that editing the code during the ~25 min run cannot mix
# versions (a file compressed by one version and decoded by another fails). SNAPSHOT=0: live tree.
SRC=$ROOT/src
if [ "${SNAPSHOT:-1}" != 0 ]; then
    SNAP=$(mktemp -d "${TMPDIR:-/tmp}/seqcoder-bench-src.XXXXXX")
    trap 'rm -rf "$SNAP"' EXIT
    cp -r "$ROOT/src" "$SNAP/src"
    find "$SNAP/src" -name __pycache__ -prune -exec rm -rf {} +
    SRC=$SNAP/src
    "$PY" -m compileall -q "$SRC" >/dev/null || { echo "src/ does not compile; not benchmarking it" >&2; exit 1; }
fi
export PYTHONPATH="$SRC${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p "$OUT"
status=0

bench() {  # name title codecs files...
    local name=$1 title=$2 codecs=$3
    shift 3
    echo "== $name: $# file(s), codecs $codecs, baselines $BASELINES" >&2
    "$PY" -m seqcoder.bench "$@" --codecs "$codecs" --baselines "$BASELINES" \
        --repeat "$REPEAT" --timeout "$TIMEOUT" --title "$title" \
        --json "$OUT/$name.json" --markdown "$OUT/$name.md" --plots "$OUT" --plot-prefix "$name" \
        ${MODEL:+--model "$MODEL"} || status=1
}

if [ "$ONLY" = all ] || [ "$ONLY" = dnacorpus ]; then
    bench dnacorpus "seqcoder benchmark: DNAcorpus (EsCo, BuEb)" "$DNACORPUS_CODECS" \
        "$DATA/dnacorpus/EsCo" "$DATA/dnacorpus/BuEb"
fi
if [ "$ONLY" = all ] || [ "$ONLY" = genomes ]; then
    bench genomes "seqcoder benchmark: development genomes" "$GENOME_CODECS" "$DATA"/genomes/*.fna
fi

# the tables of these runs (no page shows them until a figure of benchmarks/figures.py does)
"$PY" benchmarks/render_readme.py --print --results "$OUT" || status=1
exit $status
