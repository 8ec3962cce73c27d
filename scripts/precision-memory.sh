#!/usr/bin/env bash
# The reduced-precision issue's memory table: a model's file and the memory
# it is held in, with float, bf16 and int8 weights (the two quantized by
# summarize quantize). Per precision, on the first 50 pairs of PAIRS_TSV
# (package, synopsis, description: the corpus's format):
#   file        model.ckpt's bytes
#   weights     the parameters decoding holds and their packs (`summarize
#               eval`'s weight_bytes: ParamBuffer::bytes + Packed::bytes)
#   serving     VmRSS of `summarize serve` (127.0.0.1, a free port) after
#               it has loaded the model, packed it and answered one request
#               of 32 documents: a deployed model's process; RssAnon is that
#               minus the shared libraries' pages
#   summarize   peak RSS (/usr/bin/time %M) of `summarize summarize` over
#               the 50 documents, 2 threads: loading, packing and decoding
# The processes also hold the vocabularies, the libraries and the decoding's
# activations, which do not depend on the weights' precision.
# Prints a Markdown table with each figure's ratio to float's.
#   bash scripts/precision-memory.sh MODEL_DIR PAIRS_TSV [WORK_DIR]
set -euo pipefail
model=$1 pairs=$2
source "$(dirname "$0")/quantized-models.sh" "$model" "${3:-}"
head -n 50 "$pairs" > "$work/pairs.tsv"
cut -f 3 "$work/pairs.tsv" > "$work/docs.txt"
docs=$work/docs.txt
request=$(/usr/bin/python3 -c 'import json, sys; print(json.dumps({"documents": open(sys.argv[1]).read().split("\n")[:32]}))' "$docs")

# serve DIR: prints "VmRSS RssAnon" in kB once the server has answered a request
serve() {
  local log="$work/serve.log" pid port
  "$summarize" serve --model "$1" --host 127.0.0.1 --port 0 --threads 2 > "$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do
    port=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\).*|\1|p' "$log")
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { cat "$log" >&2; kill "$pid"; return 1; }
  curl -sf --max-time 60 -H 'Content-Type: application/json' -d "$request" "http://127.0.0.1:$port/v1/summarize" > /dev/null
  awk '/^VmRSS|^RssAnon/ {printf "%s ", $2}' "/proc/$pid/status"
  kill "$pid"
  wait "$pid" 2> /dev/null || true
}

echo "| weights | file MB | weights held MB | serving RSS MB | serving RssAnon MB | summarize peak RSS MB |"
echo "|---|---|---|---|---|---|"
declare -A base
for run in "float|$model" "bf16|$work/model-bf16" "int8|$work/model-int8"; do
  IFS='|' read -r label dir <<< "$run"
  file=$(stat -c %s "$dir/model.ckpt")
  held=$("$summarize" eval --model "$dir" --data "$work/pairs.tsv" --threads 2 2> /dev/null |
         /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["weight_bytes"])')
  read -r rss anon <<< "$(serve "$dir")"
  peak=$(/usr/bin/time -f %M "$summarize" summarize --model "$dir" --input "$docs" --threads 2 2>&1 > /dev/null | tail -1)
  if [ "$label" = float ]; then base=([file]=$file [held]=$held [rss]=$rss [anon]=$anon [peak]=$peak); fi
  /usr/bin/python3 - "$label" "$file" "$held" "$rss" "$anon" "$peak" \
      "${base[file]}" "${base[held]}" "${base[rss]}" "${base[anon]}" "${base[peak]}" <<'PY'
import sys
label, *v = sys.argv[1:]
file, held, rss, anon, peak, bfile, bheld, brss, banon, bpeak = map(float, v)
cell = lambda x, b, unit: "%.1f (%.0f%%)" % (x / unit, 100 * x / b)
print("| %s | %s | %s | %s | %s | %s |" % (label, cell(file, bfile, 1e6), cell(held, bheld, 1e6), cell(rss, brss, 1024),
                                           cell(anon, banon, 1024), cell(peak, bpeak, 1024)))
PY
done
