"""The wizard's last two steps: the import running (progress, Cancel) and its report.

:class:`ImportRunPage` runs :func:`~app.services.imports.import_contacts_file` or
:func:`~app.services.imports.import_events_file` through ``context.background``. The import's
progress hook is called on the worker thread and hands each :class:`ImportProgress` to the GUI
thread with ``background.post``; its cancel hook reads a :class:`threading.Event` the Cancel
button sets (the importer then writes nothing). :class:`ImportReportPage` shows what was
imported and every rejected row (line and reason), which "Save as CSV…" writes out.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizardPage,
)

from app.services.imports import (
    ColumnMapping,
    ImportCancelled,
    ImportKind,
    ImportProgress,
    ImportRefused,
    ImportReport,
    RowError,
    import_contacts_file,
    import_events_file,
    in_file_words,
    write_rejected_csv,
)
from app.ui.context import AppContext


class ImportRunPage(QWizardPage):
    """The import running: a progress bar, what it is doing, and Cancel."""

    finished = Signal()
    """The import ended (done, refused, failed or cancelled): :attr:`outcome` says which."""

    def __init__(self, context: AppContext, kind: ImportKind) -> None:
        super().__init__()
        self.context = context
        self.kind = kind
        self.setTitle("Importing")
        self.setSubTitle("The rows are checked first, then written in one transaction.")
        self.bar = QProgressBar()
        self.bar.setObjectName("importProgress")
        self.bar.setRange(0, 0)
        self.status = QLabel("Starting…")
        self.status.setWordWrap(True)
        self.cancel_button = QPushButton("Cancel import")
        self.cancel_button.setObjectName("secondaryButton")
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addSpacing(12)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self._cancel = threading.Event()
        self.running = False
        self.report: ImportReport | None = None
        self.outcome = ""
        """``imported``, ``cancelled``, ``refused`` or ``failed`` once :attr:`finished`."""
        self.failure = ""

    def start(self, path: Path, mapping: list[str | None]) -> None:
        """Run the import of ``path`` read under ``mapping``, off the GUI thread."""
        self._cancel.clear()
        self.running = True
        self.report = None
        self.outcome = ""
        self.cancel_button.setEnabled(True)
        self.status.setText(f"Reading {path.name}…")
        importer = import_contacts_file if self.kind == "contacts" else import_events_file
        workspace, background = self.context.workspace, self.context.background
        cancelled: Callable[[], bool] = self._cancel.is_set

        def progress(step: ImportProgress) -> None:  # on the worker thread
            background.post(self._progressed, step)

        def work() -> ImportReport:
            return importer(
                workspace, path, progress=progress, cancelled=cancelled, mapping=mapping
            )

        background.submit(work, self._done, self._failed)

    def cancel(self) -> None:
        if self.running:
            self._cancel.set()
            self.cancel_button.setEnabled(False)
            self.status.setText("Cancelling… nothing will be imported.")

    def isComplete(self) -> bool:
        return not self.running and self.outcome == "imported"

    def _progressed(self, step: ImportProgress) -> None:
        if not self.running or self._cancel.is_set():
            return
        if step.phase == "checking":
            self.bar.setRange(0, 0)
            self.status.setText(f"Checking rows… {step.rows_done:,} read")
        else:
            total = step.rows_total or 0
            self.bar.setRange(0, max(total, 1))
            self.bar.setValue(min(step.rows_done, total))
            self.status.setText(f"Writing rows… {step.rows_done:,} of {total:,}")

    def _done(self, report: ImportReport) -> None:
        self.running = False
        self.report = report
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        self.cancel_button.setEnabled(False)
        self.status.setText("Done.")
        self._end("imported")

    def _failed(self, error: BaseException) -> None:
        self.running = False
        self.cancel_button.setEnabled(False)
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        if isinstance(error, ImportCancelled):
            self.status.setText("The import was cancelled; nothing was imported.")
            self._end("cancelled")
        elif isinstance(error, ImportRefused):
            self.failure = str(error)
            self.status.setText(f"The file was refused: {error}. Nothing was imported.")
            self._end("refused")
        else:
            self.failure = str(error)
            self.status.setText(f"The import failed: {error}. Nothing was imported.")
            self._end("failed")

    def _end(self, outcome: str) -> None:
        self.outcome = outcome
        self.completeChanged.emit()
        self.finished.emit()


class ImportReportPage(QWizardPage):
    """What was imported, and every rejected row with its line and reason."""

    def __init__(self, kind: ImportKind) -> None:
        super().__init__()
        self.kind = kind
        self.setTitle("Import report")
        self.summary = QLabel()
        self.summary.setObjectName("importSummary")
        self.summary.setWordWrap(True)
        self.rejected = QTableWidget(0, 2)
        self.rejected.setObjectName("rejectedRows")
        self.rejected.setHorizontalHeaderLabels(["Line", "Reason"])
        self.rejected.verticalHeader().hide()
        self.rejected.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rejected.setWordWrap(False)
        self.rejected.setAlternatingRowColors(True)
        header = self.rejected.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.save_button = QPushButton("Save as CSV…")
        self.save_button.setObjectName("secondaryButton")
        self.save_button.clicked.connect(self._ask_where_to_save)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.rejected, 1)
        layout.addLayout(buttons)
        self.report: ImportReport | None = None
        self.rows: tuple[RowError, ...] = ()
        self.source: Path | None = None

    def show_report(
        self,
        report: ImportReport,
        source: Path,
        header: Sequence[str] = (),
        mapping: ColumnMapping = (),
    ) -> None:
        """Show ``report``; its reasons name fields as the file's columns (``header`` read
        under ``mapping``) call them."""
        self.report, self.source = report, source
        self.rows = in_file_words(report.rejected, header, mapping)
        self.summary.setText(_summary(self.kind, report))
        self.rejected.setRowCount(len(self.rows))
        for row, error in enumerate(self.rows):
            self.rejected.setItem(row, 0, QTableWidgetItem(str(error.line)))
            reason = QTableWidgetItem(error.reason)
            reason.setToolTip(error.reason)
            self.rejected.setItem(row, 1, reason)
        self.rejected.setVisible(bool(self.rows))
        self.save_button.setVisible(bool(self.rows))

    def save_rejected(self, path: Path) -> None:
        """Write the rejected rows to ``path`` as CSV (line, reason), as shown."""
        write_rejected_csv(path, self.rows)

    def _ask_where_to_save(self) -> None:
        suggested = ""
        if self.source is not None:
            suggested = str(self.source.with_name(f"{self.source.stem}-rejected.csv"))
        chosen, _filter = QFileDialog.getSaveFileName(
            self, "Save rejected rows", suggested, "CSV files (*.csv)"
        )
        if not chosen:
            return
        try:
            self.save_rejected(Path(chosen))
        except OSError as error:
            QMessageBox.warning(self, "Save rejected rows", f"{chosen}: {error.strerror or error}")


def _summary(kind: ImportKind, report: ImportReport) -> str:
    if kind == "contacts":
        done = f"{report.imported:,} new contacts imported, {report.updated:,} updated."
    else:
        done = f"{report.imported:,} events imported."
    if not report.rejected:
        return done + " No row was rejected."
    rows = "row was" if len(report.rejected) == 1 else "rows were"
    return (
        f"{done} {len(report.rejected):,} {rows} rejected and not imported; "
        "fix them in the file and import it again (imported rows are updated, not doubled)."
        if kind == "contacts"
        else f"{done} {len(report.rejected):,} {rows} rejected and not imported."
    )
