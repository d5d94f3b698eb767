"""The overlap matrix: for the entry segments of live and paused journeys, how many contacts
are in both, so a marketer sees audiences that would receive two journeys at once.

Rows and columns are the segments, each labelled with the journeys that enter from it; the
diagonal is each segment's size, a cell off it the contacts in both and their share of the
row's segment, shaded by that share. It shows what it is given (:meth:`show_overlap`).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from app.services.segments import Overlap

EMPTY_TEXT = (
    "No journey is live or paused, so no audiences overlap yet. When journeys go live, this "
    "shows how many contacts are in the entry segments of two journeys at once."
)
LOW = QColor("#ffffff")
HIGH = QColor("#f3b6a8")


def shade(share: float) -> QColor:
    """White for no overlap to a warm red for complete overlap."""
    share = max(0.0, min(1.0, share))
    return QColor(
        round(LOW.red() + (HIGH.red() - LOW.red()) * share),
        round(LOW.green() + (HIGH.green() - LOW.green()) * share),
        round(LOW.blue() + (HIGH.blue() - LOW.blue()) * share),
    )


def pair_sentence(overlap: Overlap, a: str, b: str) -> str:
    first = ", ".join(f"“{journey}”" for journey in overlap.journeys[a])
    second = ", ".join(f"“{journey}”" for journey in overlap.journeys[b])
    return f"{overlap.counts[a, b]:,} contacts would be in {first} and {second} at once."


def axis_label(segment: str, journeys: list[str]) -> str:
    return f"{segment}\n→ {', '.join(journeys)}"


class OverlapView(QFrame):
    refresh_requested = Signal()

    def __init__(self, parent: QFrame | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("overlapView")
        heading = QLabel("Audiences of running journeys that overlap")
        heading.setObjectName("panelHeading")
        self.note = QLabel()
        self.note.setObjectName("placeholderText")
        self.note.setWordWrap(True)
        self.refresh_button = QPushButton("Recount")
        self.refresh_button.setObjectName("secondaryButton")
        self.refresh_button.clicked.connect(self.refresh_requested)
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addStretch(1)
        top.addWidget(self.refresh_button)
        self.table = QTableWidget(0, 0)
        self.table.setObjectName("overlapTable")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setWordWrap(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        self.table.verticalHeader().setMinimumSectionSize(54)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.pairs = QLabel()
        self.pairs.setObjectName("overlapPairs")
        self.pairs.setWordWrap(True)
        self.pairs.setTextFormat(Qt.TextFormat.PlainText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addWidget(self.note)
        layout.addWidget(self.table)
        layout.addWidget(self.pairs)
        layout.addStretch(1)
        self.overlap: Overlap | None = None

    def show_loading(self) -> None:
        self.note.setText("Counting the overlap of the journeys' audiences…")

    def show_error(self, error: BaseException) -> None:
        self.note.setText(f"Cannot count the overlap: {error}")

    def show_overlap(self, overlap: Overlap) -> None:
        self.overlap = overlap
        names = overlap.segments
        self.table.setVisible(bool(names))
        self.pairs.setVisible(bool(names))
        if not names:
            self.note.setText(EMPTY_TEXT)
            self.table.setRowCount(0)
            self.table.setColumnCount(0)
            return
        fresh = [name for name in names if name not in overlap.materialised]
        note = (
            "Contacts in both segments. The diagonal is each segment's size; a cell shows "
            "how many of the row's contacts are also in the column's segment, and their share."
        )
        if overlap.materialised:
            note += " Segments of running journeys are counted as of their last refresh."
        if fresh:
            note += f" Evaluated now: {', '.join(fresh)}."
        self.note.setText(note)
        labels = [axis_label(name, overlap.journeys[name]) for name in names]
        self.table.setRowCount(len(names))
        self.table.setColumnCount(len(names))
        self.table.setHorizontalHeaderLabels(labels)
        self.table.setVerticalHeaderLabels(labels)
        for row, a in enumerate(names):
            size = overlap.counts[a, a]
            for column, b in enumerate(names):
                both = overlap.counts[a, b]
                item = QTableWidgetItem()
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if a == b:
                    item.setText(f"{both:,}\nin the segment")
                    font = QFont(item.font())
                    font.setBold(True)
                    item.setFont(font)
                    item.setBackground(QBrush(QColor("#f0f2f5")))
                elif both == 0:
                    item.setText("none")
                    item.setForeground(QBrush(QColor("#8c959f")))
                else:
                    share = both / size if size else 0.0
                    item.setText(f"{both:,}\n{share:.0%} of the row")
                    item.setBackground(QBrush(shade(share)))
                    item.setToolTip(pair_sentence(overlap, a, b))
                self.table.setItem(row, column, item)
        self.table.resizeRowsToContents()
        header = self.table.horizontalHeader()
        height = max(header.height(), header.sizeHint().height()) + 2 * self.table.frameWidth() + 2
        height += sum(self.table.rowHeight(index) for index in range(len(names)))
        self.table.setFixedHeight(height)
        shared = sorted(
            ((overlap.counts[a, b], a, b) for i, a in enumerate(names) for b in names[i + 1 :]),
            reverse=True,
        )
        lines = [pair_sentence(overlap, a, b) for both, a, b in shared if both]
        self.pairs.setText(
            "\n".join(lines) if lines else "No contact is in two of these audiences at once."
        )
