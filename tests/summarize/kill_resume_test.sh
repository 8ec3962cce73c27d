#!/usr/bin/env bash
# kill -9 during `summarize train`, three times at random moments, each time
# followed by --resume: the run ends in exactly the state of an uninterrupted
# run with the same seed (parameters, optimizer moments and step bit for bit,
# and the same best model.ckpt). With --noise: each epoch's corruption of the
# documents is the same after a resume.
#   kill_resume_test.sh SUMMARIZE SAME_TRAINING_STATE DATA_DIR WORK_DIR
set -euo pipefail
summarize=$1 same=$2 data=$3 work=$4
args=(--train "$data/train.tsv" --valid "$data/test.tsv" --embedding 16 --hidden 16 --max-source 40
      --epochs 3 --patience 10 --log-every 0 --threads 2 --checkpoint-minutes 0.001 --noise 0.05)
mkdir -p "$work"
rm -rf "$work/straight" "$work/killed" "$work/straight.log" "$work/killed.log"
"$summarize" train "${args[@]}" --model "$work/straight" > "$work/straight.log" 2>&1

RANDOM=7
kills=0
for round in 1 2 3; do
  resume=()
  [ -f "$work/killed/last.ckpt" ] && resume=(--resume)
  "$summarize" train "${args[@]}" --model "$work/killed" "${resume[@]}" >> "$work/killed.log" 2>&1 &
  pid=$!
  sleep "0.$(( RANDOM % 6 + 2 ))"
  if kill -9 "$pid" 2>/dev/null; then kills=$((kills + 1)); fi
  wait "$pid" || true
  rm -f "$work"/killed/*.tmp-*  # a killed save's temporary file (the real files are intact)
done
resume=()
[ -f "$work/killed/last.ckpt" ] && resume=(--resume)
"$summarize" train "${args[@]}" --model "$work/killed" "${resume[@]}" >> "$work/killed.log" 2>&1
echo "killed $kills times; resumed $(grep -c '^resumed' "$work/killed.log" || true) times"
[ "$kills" -ge 2 ] || { echo "the kills came too late to test anything"; exit 1; }
"$same" "$work/straight/last.ckpt" "$work/killed/last.ckpt"
cmp "$work/straight/model.ckpt" "$work/killed/model.ckpt"
echo "same model.ckpt"
