#!/usr/bin/env bash
# The reduced-precision issue's accuracy table: a model decoded with float,
# bf16 and int8 weights (quantized at load, --precision) and from its
# quantized checkpoints (summarize quantize), greedy and beam 5, on a test
# split; ROUGE-1/2/L, BLEU, and the share of documents whose summary is
# identical to float's. Prints a Markdown table.
#   bash scripts/precision-accuracy.sh MODEL_DIR TEST_TSV [WORK_DIR]
set -euo pipefail
model=$1 data=$2
source "$(dirname "$0")/quantized-models.sh" "$model" "${3:-}"
searches=("greedy|--unknown replace" "beam 5|--beam 5 --unknown replace --length-penalty gnmt")
echo "| weights | search | ROUGE-1 | ROUGE-2 | ROUGE-L | BLEU | identical to float | decode s |"
echo "|---|---|---|---|---|---|---|---|"
for s in "${searches[@]}"; do
  name=${s%%|*} flags=${s#*|} tag=${name// /}
  for run in "float|$model|--precision float" "bf16|$model|--precision bf16" "int8|$model|--precision int8" \
             "bf16 file|$work/model-bf16|" "int8 file|$work/model-int8|"; do
    IFS='|' read -r label dir precision <<< "$run"
    out="$work/$tag-${label// /-}"
    # shellcheck disable=SC2086
    "$summarize" eval --model "$dir" --data "$data" $flags $precision --out "$out.txt" > "$out.json"
    /usr/bin/python3 - "$out.json" "$out.txt" "$work/$tag-float.txt" "$label" "$name" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
mine, ref = open(sys.argv[2]).read().split("\n"), open(sys.argv[3]).read().split("\n")
same = sum(a == b for a, b in zip(mine, ref)) - 1  # the empty string after the last newline
print("| %s | %s | %.2f | %.2f | %.2f | %.2f | %.1f%% | %.1f |" % (
    sys.argv[4], sys.argv[5], 100 * j["rouge1"]["f"], 100 * j["rouge2"]["f"], 100 * j["rougeL"]["f"], j["bleu"],
    100.0 * same / j["pairs"], j["decode_seconds"]))
PY
  done
done
