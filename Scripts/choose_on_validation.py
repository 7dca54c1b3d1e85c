#!/usr/bin/env python3
"""Chooses the default bundle's label offsets and blend mode on validation data, for `qlora pack-bundle`.

1. Label offsets, per adapter. An adapter's label distribution is not calibrated for a decision:
   trained on a class-balanced sample and early-stopped on its source's (imbalanced) validation
   loss, the forums adapter ranks Stormfront's hate well (AUROC 0.77) yet almost never answers it.
   We add an offset to each label's log-probability (neutral's fixed at 0) and pick, per adapter on
   its own source's validation statements, the offsets on a grid from -3 to 3 (step 0.5) that
   maximise macro-F1 averaged over bootstrap resamples (a smoother objective than one sample's
   macro-F1, whose rare classes hold a dozen statements), the smaller offsets on ties. Labels absent
   from an adapter's validation statements (Stormfront has no offensive) keep offset 0. The
   detector adds each adapter's offsets in proportion to its weight in the mix.
2. The default blend mode, and whether the offsets ship: among the routed modes (linear, cat, svd,
   top1, top2, unmerged), with or without the offsets, scored by macro-F1 on all validation
   statements pooled, the cheapest one not significantly worse than the best (a paired bootstrap
   of the difference over the statements, 1,000 resamples: tied when its 95% interval holds 0).
   Cheapest first: top1 (one rank-8 adapter, whose prompt prefix the detector caches exactly),
   linear and top2 (one merged rank-8 adapter), svd (the same rank after an SVD per statement),
   cat and unmerged (rank 24); at equal cost, without offsets. Offsets fitted on one source can hurt
   another one's statements routed to that adapter (on Stormfront, which has no offensive class,
   an offset towards offensive only adds errors), so they ship only where the pooled score says
   so. Single adapters are shown for reference but never chosen: the detector routes.

    qlora eval --split validation --limit 600 --datasets davidson --modes microblogs --out VAL1 ...
    qlora eval --split validation --limit 200 --modes linear,cat,top1,top2 --out VAL2
    Scripts/choose_on_validation.py [--summary FILE] VAL1/predictions.jsonl VAL2/predictions.jsonl ...

Prints the pack-bundle arguments (`--default_mode M --label_log_prior_correction A.L=X,...`) on
stdout and the tables behind them on stderr; --summary writes the scores behind the choice as JSON
(`qlora pack-bundle --validation FILE` records it in bundle.json). Macro-F1 averages the classes present in gold or
predictions, as `qlora eval` reports it (scikit-learn's f1_score, checked against ours).
"""
import itertools
import json
import math
import sys
from collections import defaultdict

import numpy as np
from sklearn.metrics import f1_score

LABELS = ["neutral", "offensive", "hate"]
SOURCES = {"microblogs": "davidson", "forums": "stormfront", "hatexplain": "hatexplain"}
ROUTED = ["linear", "cat", "svd", "top1", "top2", "unmerged"]
COST = ["top1", "linear", "top2", "svd", "cat", "unmerged"]
GRID = [x / 2 for x in range(-6, 7)]
RESAMPLES = 200
SEED = 4761


def macro_f1(gold, predicted):
    """gold, predicted: int arrays of label indices. Over the classes present in either."""
    f1s = []
    for c in range(len(LABELS)):
        tp = np.sum((gold == c) & (predicted == c))
        g, p = np.sum(gold == c), np.sum(predicted == c)
        if g == 0 and p == 0:
            continue
        f1s.append(2 * tp / (g + p))
    return float(np.mean(f1s))


def sklearn_macro_f1(gold, predicted):
    present = sorted(set(gold) | set(predicted))
    return f1_score(gold, predicted, labels=present, average="macro", zero_division=0)


def log_probabilities(rows):
    return np.array([[math.log(max(r["probabilities"][l], 1e-30)) for l in LABELS] for r in rows])


def gold_of(rows):
    return np.array([LABELS.index(r["gold"]) for r in rows])


def weights(row, mode):
    """The (adapter, weight) mix `mode` used for this row, as AdapterMixer picks it from the gates."""
    gates = row["gates"]
    if mode in ("linear", "cat", "svd", "unmerged"):
        return gates
    ranked = sorted(gates, key=lambda n: -gates[n])
    if mode == "top1":
        return {ranked[0]: 1.0}
    return {n: 0.5 for n in ranked[:2]}


def corrected(rows, mode, offsets):
    lp = log_probabilities(rows)
    for i, r in enumerate(rows):
        mix = {mode: 1.0} if mode in SOURCES else weights(r, mode)
        for name, w in mix.items():
            lp[i] += w * offsets.get(name, np.zeros(3))
    return lp.argmax(axis=1)


def choose_offsets(rows, rng):
    gold = gold_of(rows)
    lp = log_probabilities(rows)
    free = [c for c in (1, 2) if np.any(gold == c)]
    samples = [rng.integers(0, len(rows), len(rows)) for _ in range(RESAMPLES)]
    best = None
    for values in itertools.product(GRID, repeat=len(free)):
        o = np.zeros(3)
        o[free] = values
        predicted = (lp + o).argmax(axis=1)
        score = np.mean([macro_f1(gold[s], predicted[s]) for s in samples])
        key = (round(score, 6), -np.abs(o).sum())
        if best is None or key > best[0]:
            best = (key, o, macro_f1(gold, predicted))
    return best[1], best[0][0], best[2]


def main(paths, summary_path=None):
    rows = [json.loads(line) for path in paths for line in open(path) if line.strip()]
    # One row per (dataset, mode, id): a statement scored by two runs counts once.
    unique = {}
    for r in rows:
        unique[(r["dataset"], r["mode"], r["id"])] = r
    by = defaultdict(list)
    for r in unique.values():
        by[(r["dataset"], r["mode"])].append(r)
    rng = np.random.default_rng(SEED)
    offsets = {}
    for source, dataset in SOURCES.items():
        mine = by[(dataset, source)]
        if not mine:
            sys.exit(f"no validation predictions of mode {source} on {dataset}; run qlora eval --split validation --modes {source}")
        o, bagged, plain = choose_offsets(mine, rng)
        before = macro_f1(gold_of(mine), log_probabilities(mine).argmax(axis=1))
        offsets[source] = o
        print(f"{source} on {dataset} validation (n = {len(mine)}): offsets offensive {o[1]:+.1f}, hate {o[2]:+.1f}; "
              f"macro-F1 {before:.3f} -> {plain:.3f} (bootstrap mean {bagged:.3f})", file=sys.stderr)

    datasets = sorted({d for d, _ in by})
    modes = [m for m in ROUTED if any((d, m) in by for d in datasets)] + [s for s in SOURCES if any((d, s) in by for d in datasets)]
    print("\nmacro-F1 on validation with the offsets (without them in brackets); n per dataset in the header", file=sys.stderr)
    print("mode".ljust(12) + "".join(f"{d} ({len(by[(d, modes[0])])})".ljust(24) for d in datasets) + "pooled", file=sys.stderr)
    scores, singles, statements = {}, {}, {d: len(by[(d, modes[0])]) for d in datasets}
    pooled_rows = {}
    for mode in modes:
        cells, pooled_gold, pooled_predicted, pooled_raw = [], [], [], []
        complete = all(by[(d, mode)] for d in datasets)
        for d in datasets:
            rr = sorted(by[(d, mode)], key=lambda r: r["id"])
            if not rr:
                cells.append("-")
                continue
            gold = gold_of(rr)
            predicted = corrected(rr, mode, offsets)
            raw = log_probabilities(rr).argmax(axis=1)
            pooled_gold += list(gold); pooled_predicted += list(predicted); pooled_raw += list(raw)
            cells.append(f"{macro_f1(gold, predicted):.3f} ({macro_f1(gold, raw):.3f})")
        g, p = np.array(pooled_gold), np.array(pooled_predicted)
        pooled = macro_f1(g, p)
        reference = sklearn_macro_f1([LABELS[i] for i in g], [LABELS[i] for i in p])
        assert abs(pooled - reference) < 1e-9, (mode, pooled, reference)
        if complete and mode in SOURCES:
            singles[mode] = round(macro_f1(g, np.array(pooled_raw)), 4)
        if complete and mode in ROUTED:
            scores[(mode, True)] = pooled
            scores[(mode, False)] = macro_f1(g, np.array(pooled_raw))
            ids = [(d, r["id"]) for d in datasets for r in sorted(by[(d, mode)], key=lambda r: r["id"])]
            pooled_rows[(mode, True)] = (ids, g, p)
            pooled_rows[(mode, False)] = (ids, g, np.array(pooled_raw))
        print(mode.ljust(12) + "".join(c.ljust(24) for c in cells)
              + f"{pooled:.3f} ({macro_f1(g, np.array(pooled_raw)):.3f})" + ("" if complete else " (not every dataset)"), file=sys.stderr)
    if not scores:
        sys.exit("no routed mode was scored on every dataset; run qlora eval --split validation --modes linear,cat,top1,top2")
    best = max(scores, key=lambda k: (scores[k], not k[1], -COST.index(k[0])))
    best_ids, best_gold, best_predicted = pooled_rows[best]
    samples = np.random.default_rng(SEED).integers(0, len(best_ids), (1000, len(best_ids)))
    tied = {}
    for key, (ids, gold, predicted) in pooled_rows.items():
        if ids != best_ids:
            sys.exit(f"modes {best[0]} and {key[0]} were scored on different validation statements; run them in one qlora eval")
        differences = [macro_f1(best_gold[s], best_predicted[s]) - macro_f1(gold[s], predicted[s]) for s in samples]
        low, high = np.percentile(differences, [2.5, 97.5])
        tied[key] = (low <= 0, low, high)
    print(f"\nbest: {best[0]} {'with' if best[1] else 'without'} offsets ({scores[best]:.3f}); paired bootstrap of the best's lead, 95% interval:", file=sys.stderr)
    for key in sorted(tied, key=lambda k: (COST.index(k[0]), k[1])):
        is_tied, low, high = tied[key]
        print(f"  {key[0]:8} {'with   ' if key[1] else 'without'} offsets {scores[key]:.3f}  lead [{low:+.3f}, {high:+.3f}]  {'tied' if is_tied else 'worse'}", file=sys.stderr)
    mode, with_offsets = min((k for k in tied if tied[k][0]), key=lambda k: (COST.index(k[0]), k[1]))
    print(f"default mode: {mode} {'with' if with_offsets else 'without'} the offsets (pooled validation macro-F1 {scores[(mode, with_offsets)]:.3f}; the cheapest tied with the best)", file=sys.stderr)
    flags = [f"{s}.{LABELS[c]}={offsets[s][c]:.2f}" for s in SOURCES for c in (1, 2) if with_offsets and offsets[s][c] != 0]
    print(f"--default_mode {mode}" + (f" --label_log_prior_correction {','.join(flags)}" if flags else ""))
    if summary_path:
        summary = {
            "chooser": "Scripts/choose_on_validation.py", "statements": statements,
            "pooled_macro_f1": {m: round(v, 4) for (m, o), v in scores.items() if not o},
            "pooled_macro_f1_with_label_offsets": {m: round(v, 4) for (m, o), v in scores.items() if o},
            "single_adapters_for_reference": singles,
            "label_offsets": {s: {LABELS[c]: float(offsets[s][c]) for c in (1, 2)} for s in SOURCES},
            "best": f"{best[0]} {'with' if best[1] else 'without'} label offsets",
            "tied_with_best": sorted(f"{m} {'with' if o else 'without'} label offsets" for (m, o), t in tied.items() if t[0]),
            "chosen": f"{mode} {'with' if with_offsets else 'without'} label offsets (the cheapest tied with the best)",
        }
        with open(summary_path + ".tmp", "w") as f:
            json.dump(summary, f, indent=2, sort_keys=True)
        import os
        os.replace(summary_path + ".tmp", summary_path)


if __name__ == "__main__":
    args = sys.argv[1:]
    summary = None
    if args[:1] == ["--summary"]:
        if len(args) < 2:
            sys.exit(__doc__)
        summary, args = args[1], args[2:]
    if not args:
        sys.exit(__doc__)
    main(args, summary)
