#!/usr/bin/env bash
# Regenerates docs/screenshot.png: the main window with the re-engagement journey live in a demo
# workspace, five simulated days in (docs/live_journey_demo.py), its analytics on the canvas,
# rendered offscreen at 1440x900 by `journey-studio --screenshot`.
#
#     bash docs/make_screenshot.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
folder=$(mktemp -d)
trap 'rm -rf "$folder"' EXIT
.venv/bin/python docs/live_journey_demo.py "$folder/demo.db" --contacts 3000
QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}" .venv/bin/python main.py \
    --db "$folder/demo.db" --screenshot docs/screenshot.png
echo "wrote docs/screenshot.png ($(wc -c <docs/screenshot.png) bytes)"
