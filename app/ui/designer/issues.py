"""The issues panel: what the validator found, one row per finding, in the journey's order.

A row shows the severity icon, the node's title in bold and the message, wrapped. Double-click
(or Enter) on a row emits ``node_activated(node id)``; findings about the journey settings carry
the id ``settings`` and emit ``settings_activated`` instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.validation import SETTINGS, Finding
from app.ui.designer.icons import icon_pixmap

NODE_ROLE = Qt.ItemDataRole.UserRole
TITLE_ROLE = Qt.ItemDataRole.UserRole + 1
SEVERITY_ROLE = Qt.ItemDataRole.UserRole + 2
PADDING = 8
ICON = 16

Index = QModelIndex | QPersistentModelIndex
ALL_CLEAR = (
    "Nothing to fix. Segment names are checked against the workspace once journeys live there."
)
ALL_CLEAR_CHECKED = "Nothing to fix."


class IssueDelegate(QStyledItemDelegate):
    """Draws a finding: icon, bold node title, then the message wrapped to the width."""

    def _fonts(self, option: QStyleOptionViewItem) -> tuple[QFont, QFont]:
        bold = QFont(option.font)
        bold.setWeight(QFont.Weight.DemiBold)
        return bold, QFont(option.font)

    def _text_rect(self, rect: QRect) -> QRect:
        return rect.adjusted(PADDING + ICON + PADDING, PADDING, -PADDING, -PADDING)

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        bold, plain = self._fonts(option)
        width = max(80, self._text_rect(option.rect).width())
        flags = int(Qt.TextFlag.TextWordWrap)
        message = QFontMetrics(plain).boundingRect(0, 0, width, 10_000, flags, index.data())
        height = QFontMetrics(bold).height() + 2 + message.height() + 2 * PADDING
        return QSize(width, height)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        style_option = QStyleOptionViewItem(option)
        self.initStyleOption(style_option, index)
        style_option.text = ""
        widget = option.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, style_option, painter, widget)
        rect: QRect = option.rect
        severity = index.data(SEVERITY_ROLE)
        ratio = painter.device().devicePixelRatioF()
        pixmap = icon_pixmap(str(severity), round(ICON * ratio))
        painter.drawPixmap(
            QRect(rect.left() + PADDING, rect.top() + PADDING + 1, ICON, ICON), pixmap
        )
        bold, plain = self._fonts(option)
        text = self._text_rect(rect)
        painter.save()
        painter.setFont(bold)
        painter.setPen(option.palette.text().color())
        title_height = QFontMetrics(bold).height()
        painter.drawText(
            text.left(), text.top(), text.width(), title_height, 0, index.data(TITLE_ROLE)
        )
        painter.setFont(plain)
        painter.setPen(option.palette.placeholderText().color())
        body = text.adjusted(0, title_height + 2, 0, 0)
        painter.drawText(body, int(Qt.TextFlag.TextWordWrap), index.data())
        painter.restore()


class IssuesPanel(QFrame):
    node_activated = Signal(str)
    settings_activated = Signal()
    """A finding about the journey settings was activated (the settings form should show)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("issuesPanel")
        self.heading = QLabel("Issues")
        self.heading.setObjectName("panelHeading")
        self.counts = QLabel()
        self.counts.setObjectName("issueCounts")
        top = QHBoxLayout()
        top.setContentsMargins(12, 8, 12, 6)
        top.addWidget(self.heading)
        top.addWidget(self.counts)
        top.addStretch(1)
        self.list = QListWidget()
        self.list.setObjectName("issuesList")
        self.list.setItemDelegate(IssueDelegate(self.list))
        self.list.setWordWrap(True)
        self.list.setUniformItemSizes(False)
        self.list.setFrameShape(QFrame.Shape.NoFrame)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.itemActivated.connect(self._activated)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.all_clear = QLabel(ALL_CLEAR)
        self.all_clear.setObjectName("issuesAllClear")
        self.all_clear.setWordWrap(True)
        self.all_clear.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout.addLayout(top)
        layout.addWidget(self.all_clear, 1)
        layout.addWidget(self.list, 1)
        self.set_findings([], lambda node_id: node_id)

    def set_findings(self, findings: Sequence[Finding], title_of: Callable[[str], str]) -> None:
        self.list.clear()
        for finding in findings:
            item = QListWidgetItem(finding.message)
            item.setData(SEVERITY_ROLE, finding.severity)
            item.setData(NODE_ROLE, finding.node)
            title = "Journey settings" if finding.node == SETTINGS else title_of(finding.node)
            item.setData(TITLE_ROLE, title)
            item.setToolTip(finding.code)
            self.list.addItem(item)
        self.all_clear.setVisible(not findings)
        self.list.setVisible(bool(findings))
        errors = sum(1 for finding in findings if finding.severity == "error")
        warnings = len(findings) - errors
        self.counts.setText(_counts(errors, warnings))
        self.counts.setProperty("state", "errors" if errors else "warnings" if warnings else "ok")
        self.counts.style().unpolish(self.counts)
        self.counts.style().polish(self.counts)

    def set_names_checked(self, checked: bool) -> None:
        """Whether segment names are checked against a workspace (the all-clear says so)."""
        self.all_clear.setText(ALL_CLEAR_CHECKED if checked else ALL_CLEAR)

    def _activated(self, item: QListWidgetItem) -> None:
        node = str(item.data(NODE_ROLE))
        if node != SETTINGS:
            self.node_activated.emit(node)
        else:
            self.settings_activated.emit()


def _counts(errors: int, warnings: int) -> str:
    if not errors and not warnings:
        return "No issues"
    parts = []
    if errors:
        parts.append(f"{errors} error{'s' if errors != 1 else ''}")
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    return " · ".join(parts)
