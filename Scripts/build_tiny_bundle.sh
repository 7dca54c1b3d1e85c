#!/usr/bin/env bash
# Rebuilds the tiny synthetic bundle the tests use as a fast detector: tokenizer, tiny base
# model, three source adapters and router, all trained from the project's own synthetic corpus
# (nothing from ../shared). Deterministic for a given seed; takes about ten minutes on two cores.
#
#   Scripts/build_tiny_bundle.sh [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
seed="${1:-4761}"
out="Sources/Tools/qlora/DefaultBundle"
swift build -c release --product qlora
swift run -c release --skip-build qlora build-default-bundle --out "$out" --seed "$seed"
du -sh "$out"
