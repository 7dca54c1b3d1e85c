#!/usr/bin/env bash
# The project's test command (README and CI): one release build, then every test, plus the
# consumer example that imports the libraries the way a user's package does.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --build-tests
swift test -c release --skip-build
swift build -c release --package-path Examples/Consumer
