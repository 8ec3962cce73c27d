#!/usr/bin/env bash
# The reduced-precision issue's memory table: a model's file and the memory
# a process holds it in, with float, bf16 and int8 weights (the two
# quantized by summarize quantize). Per precision:
#   file        model.ckpt's bytes
#   serving     VmRSS of `summarize serve` (127.0.0.1, a free port) after
#               it has loaded the model, packed it and answered one request
#               of 32 documents: the resident size of a deployed model;
#               RssAnon is that minus the shared libraries' pages
#   summarize   peak RSS (/usr/bin/time %M) of `summarize summarize` over
#               DOCS, 2 threads: loading, packing and decoding at once
# Prints a Markdown table with each figure's ratio to float's.
#   bash scripts/precision-memory.sh MODEL_DIR DOCS [WORK_DIR]
set -euo pipefail
model=$1 docs=$2 work=${3:-$(mktemp -d)}
summarize=${SUMMARIZE:-./build/examples/summarize}
mkdir -p "$work"
for to in int8 bf16; do
  "$summarize" quantize --model "$model" --to "$to" --out "$work/model-$to" >&2
done
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

echo "| weights | file MB | serving RSS MB | serving RssAnon MB | summarize peak RSS MB |"
echo "|---|---|---|---|---|"
declare -A base
for run in "float|$model" "bf16|$work/model-bf16" "int8|$work/model-int8"; do
  IFS='|' read -r label dir <<< "$run"
  file=$(stat -c %s "$dir/model.ckpt")
  read -r rss anon <<< "$(serve "$dir")"
  peak=$(/usr/bin/time -f %M "$summarize" summarize --model "$dir" --input "$docs" --threads 2 2>&1 > /dev/null | tail -1)
  if [ "$label" = float ]; then base=([file]=$file [rss]=$rss [anon]=$anon [peak]=$peak); fi
  /usr/bin/python3 - "$label" "$file" "$rss" "$anon" "$peak" "${base[file]}" "${base[rss]}" "${base[anon]}" "${base[peak]}" <<'PY'
import sys
label, *v = sys.argv[1:]
file, rss, anon, peak, bfile, brss, banon, bpeak = map(float, v)
cell = lambda x, b, unit: "%.1f (%.0f%%)" % (x / unit, 100 * x / b)
print("| %s | %s | %s | %s | %s |" % (label, cell(file, bfile, 1e6), cell(rss, brss, 1024), cell(anon, banon, 1024),
                                      cell(peak, bpeak, 1024)))
PY
done
