#!/usr/bin/env bash
# The project's test command (README and CI): one optimised build with testing enabled (the tests
# use @testable imports), then every test, then the consumer example that imports the libraries
# the way a user's package does.
set -euo pipefail
cd "$(dirname "$0")/.."
flags=(-c release -Xswiftc -enable-testing)
swift build "${flags[@]}" --build-tests
swift test "${flags[@]}" --skip-build
swift build -c release --package-path Examples/Consumer
