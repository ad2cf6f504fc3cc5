#!/usr/bin/env bash
# Test suite: set up (idempotent), then run pytest. Real footage is read from ../shared/real;
# tests that need it skip with a reason when it is absent.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh"
cd "$root"
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest -q "$@"
