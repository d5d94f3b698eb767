"""Designer target (DESIGN §8): a 500-node journey opens and renders in under 1 s.

Builds the generated journey of ``bench/validate.py`` (email → wait → branch → SMS or push, per
block), then times, offscreen, in a fresh designer: building the scene from the document (cards,
edges, summaries), the first validation, and the first paint of the canvas, fitted (where the
cards are small and drawn as plain tiles) and at 100 % (full detail); and the time of one edit
with its mirror. Prints the figures; asserts nothing.

    .venv/bin/python bench/designer.py [--nodes 500]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage, QPainter

from app.ui.app import create_application
from app.ui.designer.editor import DesignerWidget
from bench.validate import block_journey


def ms_since(began: float) -> float:
    return (time.perf_counter() - began) * 1000


def paint_canvas(designer: DesignerWidget) -> float:
    viewport = designer.view.viewport()
    image = QImage(viewport.size(), QImage.Format.Format_ARGB32_Premultiplied)
    began = time.perf_counter()
    painter = QPainter(image)
    designer.view.render(painter)
    painter.end()
    return ms_since(began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=500)
    args = parser.parse_args()
    document = block_journey(max(1, (args.nodes - 2) // 5))
    app = create_application()
    warm = DesignerWidget(block_journey(2))  # Qt's one-time start-up (fonts, style) not counted
    warm.resize(1200, 800)
    warm.show()
    app.processEvents()

    designer = DesignerWidget()
    designer.resize(1200, 800)
    designer.show()
    app.processEvents()
    began = time.perf_counter()
    designer.controller.load(document)
    scene_ms = ms_since(began)
    began = time.perf_counter()
    designer.validation.run_now()
    validate_ms = ms_since(began)
    designer.view.fit_journey()
    fitted_ms = paint_canvas(designer)
    designer.view.resetTransform()
    designer.view.centre_on_node("b10")
    detail_ms = paint_canvas(designer)
    began = time.perf_counter()
    designer.controller.add_node("wait", QPointF(0, 600))
    edit_ms = ms_since(began)

    total = scene_ms + validate_ms + fitted_ms
    print(f"journey: {len(document.nodes)} nodes, {len(document.edges)} edges")
    print(f"build the scene (cards, edges, summaries): {scene_ms:7.1f} ms")
    print(f"first validation (badges, issues panel):   {validate_ms:7.1f} ms")
    print(f"first paint, whole journey fitted:        {fitted_ms:7.1f} ms")
    print(f"first paint at 100 % (full detail):       {detail_ms:7.1f} ms")
    print(f"open and render (scene + validate + paint): {total:5.1f} ms  (target < 1000 ms)")
    print(f"one edit (add a node) with its mirror:    {edit_ms:7.1f} ms")


if __name__ == "__main__":
    main()
