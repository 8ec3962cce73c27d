#!/usr/bin/env python3
"""Writes tests/fixtures/summarize/Translation-en (and .lz4 with the lz4 tool):
a small sample of bookworm's Translation-en chosen to exercise every corpus
rule (paragraph separators with extra spaces, dropped short pairs, exact
repeats, a record without a paragraph), plus the first records of the file.

    lz4 -dc /var/lib/apt/lists/*bookworm_main_i18n_Translation-en.lz4 > Translation-en
    python3 scripts/make_prepare_fixture.py Translation-en

The expected output (tests/fixtures/summarize/expected/*.tsv) is `summarize
prepare` on the sample; tests/summarize/translation_index_test.cpp checks it.
Every expected line was checked to be a line of the shared corpus with

    cat expected/*.tsv | while IFS= read -r l; do
      grep -qxF "$l" ../shared/data/debian-descriptions/{train,valid,test}.tsv || echo "MISSING: $l"; done
"""
import os
import re
import sys

WANT = {"archivemount", "libghc-chart-dev", "libdapl2", "libjs-markdown-it-sup",
        "golang-github-mcuadros-go-version-dev", "libghc-th-reify-many-dev",
        "libghc-th-reify-many-doc", "libghc-th-reify-many-prof"}


def main():
    data = open(sys.argv[1], "rb").read().decode("utf-8")
    records = [r for r in data.split("\n\n") if r.strip()]
    pkg = lambda r: re.match(r"Package: (.*)", r).group(1)
    chosen = set(range(60))
    chosen |= {i for i, r in enumerate(records) if pkg(r) in WANT}
    # short (dropped) records, and no-paragraph ones
    def words(r):
        lines = r.split("\n")
        syn = lines[2].split(":", 1)[1].split()
        body = [l for l in lines[3:] if l.strip() != "."]
        return len(syn), len(" ".join(body).split())
    short = [i for i, r in enumerate(records) if words(r)[0] < 2 or words(r)[1] < 8]
    chosen |= set(short[:15])
    chosen |= {i for i, r in enumerate(records) if words(r)[1] == 0}  # no paragraph
    # exact repeats: a description seen before (both copies)
    seen, repeats = {}, []
    for i, r in enumerate(records):
        body = r.split("\n", 2)[2]
        if body in seen and len(repeats) < 20:
            repeats += [seen[body], i]
        seen.setdefault(body, i)
    chosen |= set(repeats)
    out = "\n\n".join(records[i] for i in sorted(chosen)) + "\n\n"
    d = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "summarize")
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "Translation-en"), "w", encoding="utf-8").write(out)
    print(len(chosen), "records")


if __name__ == "__main__":
    main()
