#!/usr/bin/env bash
# Where `summarize summarize --output/--attention` write (core/file.hpp):
# through a symbolic link the target is replaced and the link kept (a dangling
# link's target is made); a FIFO and /dev/stdout are written straight to.
#   outputs_test.sh SUMMARIZE MODEL_DIR WORK_DIR
set -uo pipefail
summarize=$1 model=$2 work=$3/outputs
fail() { echo "FAILED: $*"; exit 1; }
rm -rf "$work"
mkdir -p "$work"
doc="library for parsing JSON documents in C++ programs quickly"
run() { echo "$doc" | "$summarize" summarize --model "$model" "$@"; }

echo old > "$work/target.txt"
ln -s target.txt "$work/link.txt"
run --output "$work/link.txt" --attention "$work/map-link.svg" || fail "through a link"
[ -L "$work/link.txt" ] || fail "the link was replaced by a file"
[ "$(readlink "$work/link.txt")" = target.txt ] || fail "the link changed"
[ -s "$work/target.txt" ] && ! grep -qx old "$work/target.txt" || fail "the link's target was not written"

ln -s made.txt "$work/dangling.txt"
run --output "$work/dangling.txt" || fail "through a dangling link"
[ -L "$work/dangling.txt" ] && [ -s "$work/made.txt" ] || fail "a dangling link's target was not made"

mkfifo "$work/fifo"
cat "$work/fifo" > "$work/from_fifo.txt" &
reader=$!
run --output "$work/fifo" || fail "into a FIFO"
wait "$reader"
[ -p "$work/fifo" ] || fail "the FIFO was replaced"
[ -s "$work/from_fifo.txt" ] || fail "nothing came through the FIFO"

out=$(run --output /dev/stdout) || fail "to /dev/stdout"
[ -n "$out" ] || fail "nothing on stdout"
[ "$out" = "$(cat "$work/target.txt")" ] || fail "/dev/stdout got other text than the file"
ls "$work" | grep -q tmp && fail "a temporary file was left behind"
echo "outputs: ok"
