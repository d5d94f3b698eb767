"""The CSV import wizard: choose a file, preview it, map its columns, import, see the report.

Steps (pages, in order): :class:`FilePage` (contacts or events, and the file; a file the
importer would refuse is refused here, with the reason), :class:`PreviewPage` (the first rows as
the importer reads them), :class:`~app.ui.imports.mapping_page.MappingPage` (the commit step:
"Import" starts it), :class:`~app.ui.imports.run_pages.ImportRunPage` (progress and Cancel) and
:class:`~app.ui.imports.run_pages.ImportReportPage`. :attr:`ImportWizard.imported` is emitted
with the report once rows were written, so the Contacts page can read its list again.

Closing the wizard while the import runs cancels it and closes once the importer has stopped
(nothing is written then).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.services.imports import (
    PREVIEW_ROWS,
    CsvPreview,
    ImportKind,
    ImportRefused,
    preview_file,
    required_fields,
)
from app.ui.context import AppContext
from app.ui.imports.mapping_page import MappingPage
from app.ui.imports.run_pages import ImportReportPage, ImportRunPage

KIND_TITLES: dict[ImportKind, str] = {"contacts": "Contacts", "events": "Events"}
KIND_HELP: dict[ImportKind, str] = {
    "contacts": (
        "Contacts are matched on their external id, else their email: a contact already in the "
        "workspace is updated, others are added. Other columns become custom attributes."
    ),
    "events": (
        "Each row is one event of a contact already in the workspace, named by email. Other "
        "columns become properties of the event."
    ),
}


class FilePage(QWizardPage):
    """What the file holds and where it is."""

    def __init__(self, kind: ImportKind) -> None:
        super().__init__()
        self.setTitle("Choose a CSV file")
        self.setSubTitle("A UTF-8 CSV file with a header row naming its columns.")
        self.kinds = QButtonGroup(self)
        self.kind_buttons: dict[ImportKind, QRadioButton] = {}
        kind_row = QHBoxLayout()
        kind_row.addWidget(QLabel("The file holds:"))
        for value, title in KIND_TITLES.items():
            button = QRadioButton(title)
            button.setChecked(value == kind)
            button.toggled.connect(self._kind_changed)
            self.kinds.addButton(button)
            self.kind_buttons[value] = button
            kind_row.addWidget(button)
        kind_row.addStretch(1)
        self.help = QLabel()
        self.help.setObjectName("placeholderText")
        self.help.setWordWrap(True)
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("importPath")
        self.path_edit.setPlaceholderText("Path of a .csv file")
        self.path_edit.textChanged.connect(self._path_changed)
        browse = QPushButton("Browse…")
        browse.setObjectName("secondaryButton")
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        self.problem = QLabel()
        self.problem.setObjectName("fileProblem")
        self.problem.setWordWrap(True)
        self.problem.hide()
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        layout.addLayout(kind_row)
        layout.addWidget(self.help)
        layout.addLayout(path_row)
        layout.addWidget(self.problem)
        layout.addStretch(1)
        self.preview: CsvPreview | None = None
        self._kind_changed()

    @property
    def kind(self) -> ImportKind:
        return "events" if self.kind_buttons["events"].isChecked() else "contacts"

    @property
    def path(self) -> Path:
        return Path(self.path_edit.text().strip()).expanduser()

    def isComplete(self) -> bool:
        return bool(self.path_edit.text().strip())

    def validatePage(self) -> bool:
        """Read the file's first rows; a file the importer would refuse stays on this page."""
        try:
            self.preview = preview_file(self.path)
        except ImportRefused as refused:
            self.problem.setText(f"{self.path.name or self.path}: {refused}")
            self.problem.show()
            return False
        self.problem.hide()
        return True

    def _kind_changed(self) -> None:
        self.help.setText(f"{KIND_HELP[self.kind]} Required columns: {required_fields(self.kind)}.")

    def _path_changed(self) -> None:
        self.problem.hide()
        self.completeChanged.emit()

    def _browse(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(
            self, "Import CSV file", self.path_edit.text(), "CSV files (*.csv);;All files (*)"
        )
        if chosen:
            self.path_edit.setText(chosen)


class PreviewPage(QWizardPage):
    """The header and first rows of the file, as the importer reads them."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Preview")
        self.table = QTableWidget()
        self.table.setObjectName("previewTable")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)

    def show_preview(self, preview: CsvPreview, path: Path) -> None:
        shown = len(preview.rows)
        more = " (the first rows)" if shown >= PREVIEW_ROWS else ""
        self.setSubTitle(
            f"{path.name}: {len(preview.header)} columns, {shown} rows shown{more}. "
            "Line numbers are the file's; the header is line 1."
        )
        self.table.clear()
        self.table.setColumnCount(len(preview.header))
        self.table.setHorizontalHeaderLabels(preview.header)
        self.table.setRowCount(shown)
        self.table.setVerticalHeaderLabels([str(line) for line, _cells in preview.rows])
        for row, (_line, cells) in enumerate(preview.rows):
            if not cells:
                self.table.setItem(row, 0, QTableWidgetItem("(this row is not valid CSV)"))
            for column, text in enumerate(cells[: len(preview.header)]):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        for column in range(self.table.columnCount()):
            self.table.setColumnWidth(column, min(self.table.columnWidth(column), 260))


class ImportWizard(QWizard):
    """Import contacts or events from a CSV file, step by step."""

    imported = Signal(object)
    """The :class:`~app.services.imports.ImportReport` of an import that ran to its end."""

    def __init__(
        self, context: AppContext, kind: ImportKind = "contacts", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Import CSV")
        self.setObjectName("importWizard")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.resize(860, 600)
        self.file_page = FilePage(kind)
        self.preview_page = PreviewPage()
        self._mapping_pages: dict[ImportKind, MappingPage] = {
            "contacts": MappingPage("contacts"),
            "events": MappingPage("events"),
        }
        self.run_pages = {value: ImportRunPage(context, value) for value in KIND_TITLES}
        self.report_page = ImportReportPage(kind)
        self._ids: dict[str, int] = {
            "file": self.addPage(self.file_page),
            "preview": self.addPage(self.preview_page),
        }
        self.mapping_page = self._mapping_pages[kind]
        self.run_page = self.run_pages[kind]
        for page in self._mapping_pages.values():
            page.setCommitPage(True)
            page.setButtonText(QWizard.WizardButton.CommitButton, "Import")
        self._ids["mapping"] = self.addPage(self.mapping_page)
        self._ids["run"] = self.addPage(self.run_page)
        self._ids["report"] = self.addPage(self.report_page)
        for run_page in self.run_pages.values():
            run_page.finished.connect(self._run_finished)
        self._close_when_stopped = False

    @property
    def kind(self) -> ImportKind:
        return self.file_page.kind

    def initializePage(self, page_id: int) -> None:
        super().initializePage(page_id)
        preview = self.file_page.preview
        if page_id == self._ids["preview"] and preview is not None:
            self._use_kind(self.kind)
            self.preview_page.show_preview(preview, self.file_page.path)
        elif page_id == self._ids["mapping"] and preview is not None:
            self.mapping_page.show_preview(preview)
        elif page_id == self._ids["run"]:
            self.run_page.start(self.file_page.path, self.mapping_page.mapping())

    def reject(self) -> None:
        """Close; while an import runs, cancel it first and close once it has stopped."""
        if self.run_page.running:
            self._close_when_stopped = True
            self.run_page.cancel()
            return
        super().reject()

    def _use_kind(self, kind: ImportKind) -> None:
        """Swap in the mapping and run pages of ``kind`` (the choice on the first page)."""
        if self.mapping_page.kind == kind:
            return
        for name in ("mapping", "run", "report"):
            self.removePage(self._ids[name])
        self.mapping_page = self._mapping_pages[kind]
        self.run_page = self.run_pages[kind]
        self.report_page.kind = kind
        self.setPage(self._ids["mapping"], self.mapping_page)
        self.setPage(self._ids["run"], self.run_page)
        self.setPage(self._ids["report"], self.report_page)

    def _run_finished(self) -> None:
        if self._close_when_stopped:
            super().reject()
            return
        report = self.run_page.report
        if self.run_page.outcome == "imported" and report is not None:
            self.report_page.show_report(
                report, self.file_page.path, self.mapping_page.header, self.mapping_page.mapping()
            )
            if report.imported or report.updated:
                self.imported.emit(report)
            self.next()


def open_import_wizard(
    context: AppContext, kind: ImportKind = "contacts", parent: QWidget | None = None
) -> ImportWizard:
    """Open the wizard (window-modal to ``parent``; deleted when closed) and return it."""
    wizard = ImportWizard(context, kind, parent)
    wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    wizard.open()
    return wizard
