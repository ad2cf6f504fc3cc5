#!/usr/bin/env bash
# Main job on bundled input: set up (idempotent), then process the bundled demo clip into an
# annotated video and a per-frame pose log under out/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh"
mkdir -p "$root/out"
exec "$root/.venv/bin/hdr-live" process "$root/assets/demo_two_hands.mp4" \
  --out "$root/out/demo_annotated.mp4" --poses "$root/out/demo_poses.jsonl" "$@"
