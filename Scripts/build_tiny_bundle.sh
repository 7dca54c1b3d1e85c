#!/usr/bin/env bash
# Rebuilds the tiny synthetic bundle the tests use as a fast detector: tokenizer, tiny base
# model, three source adapters and router, all trained from the project's own synthetic corpus
# (nothing from ../shared). Deterministic for a given seed; takes about ten minutes on two cores.
#
#   Scripts/build_tiny_bundle.sh [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
seed="${1:-4761}"
out="Tests/QLoRATests/Fixtures/TinyBundle"
swift build -c release --product qlora
swift run -c release --skip-build qlora build-tiny-bundle --out "$out" --seed "$seed"
du -sh "$out"
