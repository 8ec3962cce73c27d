#!/usr/bin/env bash
# A disk that fills between model.ckpt and the first last.ckpt (a file-size
# limit stands in for it): train fails with one line naming last.ckpt, the
# model.ckpt written before stays, --resume says the run cannot be resumed and
# names --restart, and `train --restart` starts the run again and finishes.
#   disk_full_test.sh SUMMARIZE DATA_DIR WORK_DIR
set -uo pipefail
summarize=$1 data=$2 work=$3
model=$work/disk-full
rm -rf "$model"
fail() { echo "FAILED: $*"; exit 1; }
args=(--train "$data/valid.tsv" --valid "$data/test.tsv" --model "$model" --embedding 16 --hidden 16
      --max-source 40 --epochs 1 --log-every 0 --threads 1)
# model.ckpt of this model is about 190 KB, last.ckpt (with Adam's moments)
# three times that: 400 KB lets the first through and stops the second
out=$(trap '' XFSZ; ulimit -f 400; "$summarize" train "${args[@]}" 2>&1)
status=$?
echo "--- train under a 400 KB file limit (exit $status)"; echo "$out"
[ "$status" -eq 1 ] || fail "expected exit status 1"
grep -q "cannot write checkpoint .*last.ckpt: File too large" <<< "$out" || fail "no message naming last.ckpt"
[ -f "$model/model.ckpt" ] && [ ! -f "$model/last.ckpt" ] || fail "not the state this test is about"
ls "$model" | grep -q tmp && fail "a temporary file was left behind"
out=$("$summarize" train "${args[@]}" --resume 2>&1)
status=$?
echo "--- --resume (exit $status): $out"
[ "$status" -eq 1 ] && grep -q -- "--restart starts it again" <<< "$out" || fail "--resume does not point to --restart"
out=$("$summarize" train "${args[@]}" 2>&1)
status=$?
echo "--- train again (exit $status): $out"
[ "$status" -eq 1 ] && grep -q -- "--restart" <<< "$out" || fail "a second train does not point to --restart"
"$summarize" train "${args[@]}" --restart 2>&1 | tail -2
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "--restart failed"
[ -f "$model/model.ckpt" ] && [ -f "$model/last.ckpt" ] || fail "--restart left no checkpoints"
echo "disk full: ok"
