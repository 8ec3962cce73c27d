#!/usr/bin/env bash
# Ctrl-C during `summarize train` saves last.ckpt and exits with 130; --resume
# then continues from it.   interrupt_test.sh SUMMARIZE DATA_DIR WORK_DIR
set -euo pipefail
summarize=$1 data=$2 work=$3
model=$work/interrupted
rm -rf "$model"
args=(--train "$data/train.tsv" --valid "$data/valid.tsv" --model "$model" --embedding 32 --hidden 32
      --max-source 40 --epochs 1000 --log-every 0 --threads 2)
"$summarize" train "${args[@]}" > "$work/interrupt.log" 2>&1 &
pid=$!
# wait until training has started (the vocabularies are written), then Ctrl-C
for _ in $(seq 100); do [ -f "$model/target.vocab" ] && break; sleep 0.1; done
sleep 1
kill -INT "$pid"
status=0
wait "$pid" || status=$?
cat "$work/interrupt.log"
[ "$status" -eq 130 ] || { echo "expected exit status 130, got $status"; exit 1; }
grep -q "interrupted: saved .*last.ckpt; continue with --resume" "$work/interrupt.log"
[ -f "$model/last.ckpt" ] || { echo "no last.ckpt"; exit 1; }
ls "$model" | grep -q tmp && { echo "a temporary file was left behind"; exit 1; }
"$summarize" train "${args[@]}" --resume --epochs 1 2>&1 | tee "$work/resume.log"
# where the interrupt landed (which epoch, which batch) depends on the machine's speed
grep -q "^resumed .*last.ckpt: epoch [0-9]*, batch [0-9]*, [0-9]* updates" "$work/resume.log"
