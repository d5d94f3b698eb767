"""The wizard's column mapping: for each column of the file, a known field, a custom attribute
(contacts) or property (events), or skip.

The automatic mapping (:func:`app.services.imports.suggest_mapping`) is pre-filled. The page is
complete only when the required fields are mapped and no field is chosen for two columns; it
says which, in words, while it is not.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizardPage,
)

from app.services.imports import (
    CsvPreview,
    ImportKind,
    known_fields,
    names_known_field,
    suggest_mapping,
)
from app.ui.contacts.detail import FIELD_LABELS

SKIP = "skip"
CUSTOM = "custom"

_MORE_LABELS = {
    "email_opt_in": "Email consent",
    "sms_opt_in": "Text message consent",
    "push_opt_in": "Push consent",
}
_EVENT_LABELS = {
    "email": "Email (of the contact)",
    "type": "Event type",
    "occurred_at": "Occurred at",
    "message_id": "Message id",
}


def field_title(kind: ImportKind, field: str) -> str:
    labels = _EVENT_LABELS if kind == "events" else {**FIELD_LABELS, **_MORE_LABELS}
    return labels.get(field, field)


def custom_word(kind: ImportKind) -> str:
    return "attribute" if kind == "contacts" else "property"


class MappingPage(QWizardPage):
    """One row per column of the file: its name, sample values, and what to import it as."""

    def __init__(self, kind: ImportKind) -> None:
        super().__init__()
        self.kind = kind
        self.setTitle("Map the columns")
        self.setSubTitle(
            "Choose what each column of the file becomes. Known columns are matched already."
        )
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("mappingTable")
        self.table.setHorizontalHeaderLabels(["Column in the file", "First values", "Import as"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.verticalHeader().setDefaultSectionSize(34)
        self.table.setWordWrap(False)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        self.table.setColumnWidth(2, 300)
        self.problem = QLabel()
        self.problem.setObjectName("mappingProblem")
        self.problem.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.problem)
        self.combos: list[QComboBox] = []
        self.header: list[str] = []

    def show_preview(self, preview: CsvPreview) -> None:
        """Fill one row per column of ``preview``, with the automatic mapping chosen."""
        self.header = preview.header
        self.combos = []
        suggested = suggest_mapping(self.kind, preview.header)
        fields = known_fields(self.kind)
        self.table.setRowCount(len(preview.header))
        for index, name in enumerate(preview.header):
            samples = [cells[index] for _line, cells in preview.rows if index < len(cells)]
            sample_text = ", ".join(sample for sample in samples[:4] if sample)
            self.table.setItem(index, 0, QTableWidgetItem(name))
            sample_item = QTableWidgetItem(sample_text)
            sample_item.setToolTip(sample_text)
            sample_item.setForeground(Qt.GlobalColor.darkGray)
            self.table.setItem(index, 1, sample_item)
            combo = QComboBox()
            combo.addItem("Skip this column", SKIP)
            combo.addItem(f"Custom {custom_word(self.kind)} “{name}”", CUSTOM)
            combo.insertSeparator(combo.count())
            for field in fields:
                combo.addItem(field_title(self.kind, field), field)
            chosen = suggested[index]
            if chosen is None:
                combo.setCurrentIndex(combo.findData(SKIP))
            elif chosen in fields:
                combo.setCurrentIndex(combo.findData(chosen))
            else:
                combo.setCurrentIndex(combo.findData(CUSTOM))
            combo.currentIndexChanged.connect(lambda _index: self._changed())
            self.table.setCellWidget(index, 2, combo)
            self.combos.append(combo)
        self._changed()

    def choose(self, column: int, choice: str) -> None:
        """Pick ``choice`` (a field, :data:`SKIP` or :data:`CUSTOM`) for a column."""
        self.combos[column].setCurrentIndex(self.combos[column].findData(choice))

    def mapping(self) -> list[str | None]:
        """The mapping for the importer: a field, the column's own name (custom), or None."""
        chosen: list[str | None] = []
        for name, combo in zip(self.header, self.combos, strict=True):
            data = combo.currentData()
            chosen.append(None if data == SKIP else name if data == CUSTOM else str(data))
        return chosen

    def isComplete(self) -> bool:
        return self._problem() is None

    def _changed(self) -> None:
        problem = self._problem()
        self.problem.setText(problem or "")
        self.problem.setVisible(problem is not None)
        self.completeChanged.emit()

    def _problem(self) -> str | None:
        fields = [
            str(combo.currentData())
            for combo in self.combos
            if combo.currentData() not in (SKIP, CUSTOM)
        ]
        for field in dict.fromkeys(fields):
            if fields.count(field) > 1:
                columns = [
                    f"“{self.header[index]}”"
                    for index, combo in enumerate(self.combos)
                    if combo.currentData() == field
                ]
                return (
                    f"{field_title(self.kind, field)} is chosen for {' and '.join(columns)}; "
                    "choose it for one column only."
                )
        for name, combo in zip(self.header, self.combos, strict=True):
            if combo.currentData() == CUSTOM and names_known_field(self.kind, name):
                return (
                    f"“{name}” is the name of a known field, so it cannot be a custom "
                    f"{custom_word(self.kind)}: import it as that field or skip it."
                )
        if self.kind == "contacts":
            if "email" not in fields and "external_id" not in fields:
                return "Choose the column that holds the email (or the external id)."
            return None
        missing = [
            field_title(self.kind, field)
            for field in ("email", "type", "occurred_at")
            if field not in fields
        ]
        if missing:
            return f"Choose the columns for: {', '.join(missing)}."
        return None
