#!/usr/bin/env python3
"""Writes examples/summarize/data/{train,valid,test}.tsv: a seeded random
sample (in corpus order) of the shared Debian descriptions corpus, for the
README's main job and the summarizer's tests.

    python3 scripts/make_corpus_sample.py ../shared/data/debian-descriptions
"""
import os
import random
import sys

SIZES = {"train": 2000, "valid": 200, "test": 50}


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/debian-descriptions"
    out = os.path.join(os.path.dirname(__file__), "..", "examples", "summarize", "data")
    os.makedirs(out, exist_ok=True)
    for name, n in SIZES.items():
        with open(os.path.join(src, name + ".tsv"), "rb") as f:
            lines = f.readlines()
        keep = sorted(random.Random(20261124).sample(range(len(lines)), n))
        with open(os.path.join(out, name + ".tsv"), "wb") as f:
            f.writelines(lines[i] for i in keep)


if __name__ == "__main__":
    main()
