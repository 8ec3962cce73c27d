#!/usr/bin/env bash
# Downloads the current Debian bookworm `main` Translation-en index with
# apt-get (into a private lists directory: the system's apt state is not
# touched) and prepares the corpus from it:
#
#   bash scripts/get-debian-corpus.sh [OUT_DIR]     (default: data/debian-descriptions)
#
# writes OUT_DIR/train.tsv, valid.tsv and test.tsv. Given the snapshot the
# shared corpus was made from, they are byte-identical to
# ../shared/data/debian-descriptions/*.tsv; the archive changes with each
# point release, so a later download differs by the packages that changed.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-data/debian-descriptions}
lists=$(mktemp -d)
trap 'rm -rf "$lists"' EXIT
chmod 755 "$lists"  # apt drops privileges to _apt to download
mkdir -p "$lists/partial"
# a sources list that names bookworm main, whatever this machine uses
echo "deb http://deb.debian.org/debian bookworm main" > "$lists/sources.list"
apt-get -o Dir::State::Lists="$lists" -o Dir::Etc::SourceList="$lists/sources.list" \
        -o Dir::Etc::SourceParts=/dev/null -o Dir::Etc::parts=/dev/null \
        -o Acquire::Languages=en -o APT::Get::List-Cleanup=0 update
index=$(ls "$lists"/*bookworm_main_i18n_Translation-en* | head -n 1)
if [ ! -x build/examples/summarize ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
  cmake --build build --target summarize
fi
./build/examples/summarize prepare "$index" --out "$out"
