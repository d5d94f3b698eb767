"""Designer targets (DESIGN §8): a 500-node journey opens and renders in under 1 s; validating
it takes under 50 ms.

Builds the generated journey of ``bench/validate.py`` (email → wait → branch → SMS or push, per
block), then times, offscreen, in a fresh designer: building the scene from the document (cards,
edges, summaries), the first validation, and the first paint of the canvas, fitted (where the
cards are small and drawn as plain tiles) and at 100 % (full detail); validation again after an
edit (the live validation a marketer waits for, median of 5); and one edit with its mirror.

The naive baseline, run in the same process: the same journey drawn the way many node editors
start, one QGraphicsProxyWidget holding a QFrame with QLabels per node and a QGraphicsPathItem
per edge, no level of detail and no caching; its build and first fitted paint against ours.
Prints the figures; asserts nothing.

    .venv/bin/python bench/canvas.py [--nodes 500]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import statistics

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QPainterPath
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsView,
    QLabel,
    QVBoxLayout,
)

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


def naive_canvas(document: object) -> tuple[float, float]:
    """(build ms, first fitted paint ms) of the baseline: a widget per node, no level of detail."""
    from app.domain.journey import JourneyDocument
    from app.domain.summaries import summarize

    assert isinstance(document, JourneyDocument)
    began = time.perf_counter()
    scene = QGraphicsScene()
    centres: dict[str, QPointF] = {}
    for node in document.nodes:
        card = QFrame()
        card.setFixedSize(180, 64)
        column = QVBoxLayout(card)
        column.addWidget(QLabel(node.title or node.kind))
        column.addWidget(QLabel(summarize(node, document)))
        proxy = scene.addWidget(card)
        x, y = node.position
        proxy.setPos(x, y)
        centres[node.id] = QPointF(x + 90, y + 32)
    for edge in document.edges:
        start, end = centres[edge.source], centres[edge.target]
        path = QPainterPath(start)
        middle = (start.x() + end.x()) / 2
        path.cubicTo(QPointF(middle, start.y()), QPointF(middle, end.y()), end)
        scene.addItem(QGraphicsPathItem(path))
    view = QGraphicsView(scene)
    view.resize(1200, 800)
    view.show()
    build_ms = ms_since(began)
    view.fitInView(scene.itemsBoundingRect(), Qt.AspectRatioMode.KeepAspectRatio)
    image = QImage(view.viewport().size(), QImage.Format.Format_ARGB32_Premultiplied)
    began = time.perf_counter()
    painter = QPainter(image)
    view.render(painter, QRectF(image.rect()), view.viewport().rect())
    painter.end()
    return build_ms, ms_since(began)


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
    warm = []
    for _ in range(5):
        began = time.perf_counter()
        designer.validation.run_now()
        warm.append(ms_since(began))
    warm_ms = statistics.median(warm)
    naive_build_ms, naive_paint_ms = naive_canvas(document)

    total = scene_ms + validate_ms + fitted_ms
    print(f"journey: {len(document.nodes)} nodes, {len(document.edges)} edges")
    print(f"build the scene (cards, edges, summaries): {scene_ms:7.1f} ms")
    print(f"first validation (badges, issues panel):   {validate_ms:7.1f} ms")
    print(f"first paint, whole journey fitted:        {fitted_ms:7.1f} ms")
    print(f"first paint at 100 % (full detail):       {detail_ms:7.1f} ms")
    print(f"open and render (scene + validate + paint): {total:5.1f} ms  (target < 1000 ms)")
    print(f"one edit (add a node) with its mirror:    {edit_ms:7.1f} ms")
    print(f"validation after an edit (median of 5):   {warm_ms:7.1f} ms  (target < 50 ms)")
    naive_total = naive_build_ms + naive_paint_ms
    ours = scene_ms + fitted_ms
    print(
        f"naive baseline (a widget per node): build {naive_build_ms:.1f} ms + fitted paint "
        f"{naive_paint_ms:.1f} ms = {naive_total:.1f} ms; ours {ours:.1f} ms "
        f"({naive_total / ours:.1f}x faster)"
    )


if __name__ == "__main__":
    main()
