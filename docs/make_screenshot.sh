#!/usr/bin/env bash
# Regenerates docs/screenshot.png: the main window with the re-engagement sample open in the
# designer, rendered offscreen at 1440x900 by `journey-studio --screenshot`.
#
#     bash docs/make_screenshot.sh [JOURNEY_FILE]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
journey="${1:-resources/samples/re-engagement.journey.json}"
QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}" .venv/bin/python main.py \
    --screenshot docs/screenshot.png --journey "$journey"
echo "wrote docs/screenshot.png ($(wc -c <docs/screenshot.png) bytes)"
