# Sourced by the cm benchmark scripts (cm_v3.sh, cm_v4.sh, cm_v5.sh; after they set OUT): the data paths, the tools,
# run(), and the output directory.
G=../shared/data/genomes
[ -d "$G" ] || G=/work/shared/data/genomes
E=../shared/data/dnacorpus/EsCo
[ -f "$E" ] || E=/work/shared/data/dnacorpus/EsCo
PY=.venv/bin/python
T=benchmarks/cm_tune.py
run() {  # run LOG COMMAND...: the command's output into $OUT/LOG, unless that log exists
  log="$OUT/$1"; shift
  if [ ! -s "$log" ]; then "$@" > "$log.tmp"; mv "$log.tmp" "$log"; fi
}
mkdir -p "$OUT"
