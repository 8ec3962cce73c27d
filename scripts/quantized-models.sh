# Sourced by the precision-*.sh scripts: the model of $1 quantized by
# `summarize quantize` into $work/model-int8 and $work/model-bf16, with
# $summarize the CLI (SUMMARIZE, default ./build/examples/summarize) and
# $work the directory $2 names (a new temporary one when empty).
summarize=${SUMMARIZE:-./build/examples/summarize}
work=${2:-$(mktemp -d)}
mkdir -p "$work"
for to in int8 bf16; do
  "$summarize" quantize --model "$1" --to "$to" --out "$work/model-$to" >&2
done
