"""Building blocks the pages share: the page frame, a filter bar, a table and choice boxes.

Object names are the light theme's (``page``, ``pageTitle``, ``placeholderText``,
``primaryButton``, ``secondaryButton``) plus ``pageNote``, ``dataTable``, ``filterBar`` and
``fieldError``, so the style sheet can refine them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.ui.pages.rows_model import Column, RowsModel

PAGE_MARGINS = (32, 24, 32, 20)
CELL_PADDING = 32
"""The theme pads cells and headings 8 px each side; the rest is air and the bold heading."""


def page_frame(page: QWidget, title: str) -> QVBoxLayout:
    """Give ``page`` the page look and a title; returns the layout to add the rest to."""
    page.setObjectName("page")
    layout = QVBoxLayout(page)
    layout.setContentsMargins(*PAGE_MARGINS)
    layout.setSpacing(12)
    heading = QLabel(title)
    heading.setObjectName("pageTitle")
    layout.addWidget(heading)
    return layout


def note(text: str, name: str = "pageNote") -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setWordWrap(True)
    return label


def button(text: str, primary: bool = False) -> QPushButton:
    made = QPushButton(text)
    made.setObjectName("primaryButton" if primary else "secondaryButton")
    return made


def choices(options: Sequence[tuple[str, Any]]) -> QComboBox:
    """A combo box of (label, value) pairs; ``currentData()`` is the value."""
    box = QComboBox()
    for label, value in options:
        box.addItem(label, value)
    return box


def set_choices(box: QComboBox, options: Sequence[tuple[str, Any]]) -> None:
    """Replace the options, keeping the chosen value when it is still offered."""
    chosen = box.currentData()
    box.blockSignals(True)
    box.clear()
    for label, value in options:
        box.addItem(label, value)
    found = box.findData(chosen)
    box.setCurrentIndex(max(found, 0))
    box.blockSignals(False)


def filter_bar(*widgets: QWidget | tuple[str, QWidget]) -> QHBoxLayout:
    """Widgets in a row, each optionally after a caption; the rest of the row stays empty."""
    row = QHBoxLayout()
    row.setSpacing(8)
    for item in widgets:
        if isinstance(item, tuple):
            caption, widget = item
            label = QLabel(caption)
            label.setBuddy(widget)
            row.addWidget(label)
            row.addWidget(widget)
            row.addSpacing(8)
        else:
            row.addWidget(item)
    row.addStretch(1)
    return row


def data_table(model: RowsModel, stretch: int) -> QTableView:
    """A read-only table of whole rows, several selectable; column ``stretch`` takes the slack."""
    table = QTableView()
    table.setObjectName("dataTable")
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(False)
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(28)
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(False)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


def fit_columns(table: QTableView, columns: Sequence[Column], stretch: int) -> None:
    """Start each column (but the stretching one) wide enough for its sample and heading in
    the table's own font, padding included."""
    table.ensurePolished()  # the style sheet's font and padding apply from here on
    cells, headings = table.fontMetrics(), table.horizontalHeader().fontMetrics()
    for index, column in enumerate(columns):
        if index != stretch:
            wide = max(
                cells.horizontalAdvance(column.sample), headings.horizontalAdvance(column.title)
            )
            table.setColumnWidth(index, wide + CELL_PADDING)
