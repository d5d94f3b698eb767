"""A form row (label, editor, the error under it) and the findings a form shows per field.

Errors come from two places: the form itself (a value that cannot be stored, such as ``5 days``
for a duration: :meth:`FieldRow.set_problem`) and the validator (a finding whose ``field`` names
the row: :meth:`FieldRow.set_findings`). The form's own problem is shown first.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.domain.validation import Finding
from app.ui.designer import look
from app.ui.designer.properties.fields import FieldEditor

_FIRST_STEP = re.compile(r"[.\[]")


def top_field(path: str | None) -> str | None:
    """``cases[0].condition`` → ``cases``; the row a finding belongs to."""
    return _FIRST_STEP.split(path, maxsplit=1)[0] if path else None


def by_field(findings: Iterable[Finding]) -> dict[str | None, list[Finding]]:
    grouped: dict[str | None, list[Finding]] = defaultdict(list)
    for finding in findings:
        grouped[top_field(finding.field)].append(finding)
    return grouped


def error_label(object_name: str = "fieldError") -> QLabel:
    """A wrapped, red (errors) label, hidden until it has text."""
    label = QLabel()
    label.setObjectName(object_name)
    label.setWordWrap(True)
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, QColor(look.ERROR))
    label.setPalette(palette)
    label.hide()
    return label


def show_messages(label: QLabel, findings: Sequence[Finding], first: str = "") -> None:
    lines = [first] if first else []
    lines += [finding.message for finding in findings]
    errors = bool(first) or any(finding.severity == "error" for finding in findings)
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, QColor(look.ERROR if errors else look.WARNING))
    label.setPalette(palette)
    label.setText("\n".join(lines))
    label.setVisible(bool(lines))


class FieldRow(QWidget):
    """One field of a form: its label above the editor, and what is wrong with it below."""

    def __init__(self, name: str, label: str, editor: FieldEditor, hide_label: bool = False):
        super().__init__()
        self.setObjectName("fieldRow")
        self.name = name
        self.editor = editor
        self.caption = QLabel(label)
        self.caption.setObjectName("fieldLabel")
        self.caption.setVisible(not hide_label)
        self.error = error_label()
        self.hint = QLabel()
        self.hint.setObjectName("fieldHint")
        self.hint.setWordWrap(True)
        self.hint.hide()
        self._problem = ""
        self._findings: list[Finding] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(self.caption)
        layout.addWidget(editor)
        layout.addWidget(self.hint)
        layout.addWidget(self.error)
        editor.problem.connect(self.set_problem)

    def set_hint(self, text: str) -> None:
        """A line of help under the editor (empty: none)."""
        self.hint.setText(text)
        self.hint.setVisible(bool(text))

    def set_problem(self, text: str | None) -> None:
        """The form's own complaint about the value typed (None or "": none)."""
        self._problem = text or ""
        show_messages(self.error, self._findings, self._problem)

    def set_findings(self, findings: Sequence[Finding]) -> None:
        self._findings = list(findings)
        show_messages(self.error, self._findings, self._problem)


class RowsForm(QWidget):
    """A form of :class:`FieldRow` by field name, and a label (``general``) for the findings
    that no row takes; the node and the journey settings forms are both one."""

    rows: dict[str, FieldRow]
    general: QLabel

    def show_findings(self, findings: Iterable[Finding]) -> None:
        grouped = by_field(findings)
        for name, row in self.rows.items():
            row.set_findings(grouped.pop(name, []))
        show_messages(self.general, [f for group in grouped.values() for f in group])

    def show_problem(self, field: str, problem: str | None) -> None:
        """The form's own problem with the value of ``field`` (None: there is none)."""
        row = self.rows.get(field)
        if row is not None:
            row.set_problem(problem)
