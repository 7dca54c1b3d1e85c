#!/usr/bin/env python3
"""Chooses each adapter's label prior correction on validation data, for `qlora pack-bundle`.

Each adapter of the default bundle is trained on a class-balanced sample of its source, so it
learns the sample's label prior, not the source's. Bayes' rule moves it back: add
lambda * log(p_true(label) / p_sample(label)) to the label's log-probability. lambda = 1 is the
full correction (best for accuracy), lambda = 0 none (often best for macro-F1, which rewards the
rare classes); we pick lambda per adapter by macro-F1 on its source's validation statements,
scored by scikit-learn, with the smaller lambda on ties.

    qlora eval --split validation --limit 300 --modes microblogs,forums,hatexplain --out VAL ...
    Scripts/choose_prior_correction.py VAL/predictions.jsonl WORK/data

Prints the --label_log_prior_correction argument, and a table of macro-F1 by lambda on stderr.
"""
import json
import math
import sys
from collections import Counter

from sklearn.metrics import f1_score

LABELS = ["neutral", "offensive", "hate"]
SOURCES = {"microblogs": "davidson", "forums": "stormfront", "hatexplain": "hatexplain"}
LAMBDAS = [0.0, 0.25, 0.5, 0.75, 1.0]


def label_counts(path):
    with open(path) as f:
        return Counter(json.loads(line)["label"] for line in f if line.strip())


def macro_f1(gold, predicted):
    # Over the classes present in gold or predictions, as qlora eval reports it.
    present = sorted(set(gold) | set(predicted))
    return f1_score(gold, predicted, labels=present, average="macro", zero_division=0)


def main(predictions_path, data_dir):
    rows = [json.loads(line) for line in open(predictions_path) if line.strip()]
    flags = []
    for source, dataset in SOURCES.items():
        mine = [r for r in rows if r["mode"] == source and r["dataset"] == dataset]
        if not mine:
            sys.exit(f"{predictions_path}: no predictions of mode {source} on {dataset}; run qlora eval with --modes {source}")
        sample = label_counts(f"{data_dir}/{source}-train.jsonl")
        true = label_counts(f"{data_dir}/{source}-train-full.jsonl")
        n_sample, n_true = sum(sample.values()), sum(true.values())
        # A label the adapter never saw (Stormfront has no offensive) gets no correction.
        shift = {l: math.log((true[l] / n_true) / (sample[l] / n_sample)) if sample[l] and true[l] else 0.0 for l in LABELS}
        gold = [r["gold"] for r in mine]
        scores = []
        for lam in LAMBDAS:
            predicted = []
            for r in mine:
                p = r["probabilities"]
                predicted.append(max(LABELS, key=lambda l: math.log(max(p[l], 1e-300)) + lam * shift[l]))
            scores.append((macro_f1(gold, predicted), -lam, lam))
        best = max(scores)
        print(f"{source} on {dataset} validation (n = {len(mine)}): "
              + ", ".join(f"lambda {lam:.2f} macro-F1 {f:.3f}" for f, _, lam in scores) + f" -> lambda {best[2]:.2f}", file=sys.stderr)
        if best[2] > 0:
            flags += [f"{source}.{l}={best[2] * shift[l]:.4f}" for l in LABELS if shift[l] != 0]
    print(",".join(flags))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
