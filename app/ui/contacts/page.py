"""The Contacts page: every contact of the workspace in a lazy table, a search box, the
selected contact's detail, and the way in to the CSV import wizard.

The table (:class:`~app.ui.contacts.table_model.ContactsTableModel`) reads from SQL a block at
a time; header clicks sort in SQL; the search box filters in SQL once typing pauses for
:data:`SEARCH_DELAY_MS`. Selecting a row reads that contact's detail off the GUI thread (only
the newest selection's detail is shown). "Import…" opens the wizard for contacts or events; a
finished import reads the list again.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.services.contacts import ContactDetail, ContactNotFound, contact_detail
from app.services.imports import ImportKind
from app.ui.contacts.detail import ContactDetailPanel
from app.ui.contacts.table_model import ContactsTableModel
from app.ui.context import AppContext

SEARCH_DELAY_MS = 300
ROW_HEIGHT = 26
COLUMN_WIDTHS = (150, 190, 116, 76, 96, 108)
"""Widths of all columns but the last (Kind), which takes the rest."""


class ContactsPage(QWidget):
    """Contacts: table, search, detail, Import…."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.context = context
        self.model = ContactsTableModel(context, self)
        self.model.count_changed.connect(self._show_count)
        self.model.failed.connect(self._show_failure)

        title = QLabel("Contacts")
        title.setObjectName("pageTitle")
        self.count_label = QLabel("Counting…")
        self.count_label.setObjectName("countLabel")
        self.search = QLineEdit()
        self.search.setObjectName("contactSearch")
        self.search.setPlaceholderText("Search name, email or company")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(280)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_search)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.search.returnPressed.connect(self.apply_search)
        self.import_button = QPushButton("Import…")
        self.import_button.setObjectName("primaryButton")
        menu = QMenu(self.import_button)
        menu.addAction("Contacts from CSV…", lambda: self.open_import("contacts"))
        menu.addAction("Events from CSV…", lambda: self.open_import("events"))
        self.import_button.setMenu(menu)

        header = QHBoxLayout()
        header.setSpacing(12)
        header.addWidget(title)
        header.addWidget(self.count_label, 0, Qt.AlignmentFlag.AlignBottom)
        header.addStretch(1)
        header.addWidget(self.search)
        header.addWidget(self.import_button)

        self.table = QTableView()
        self.table.setObjectName("contactsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setCornerButtonEnabled(False)
        rows = self.table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(ROW_HEIGHT)
        rows.setDefaultAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        columns = self.table.horizontalHeader()
        columns.setSectionsClickable(True)
        columns.setSortIndicatorShown(True)
        columns.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        columns.setHighlightSections(False)
        columns.setStretchLastSection(True)
        for column, width in enumerate(COLUMN_WIDTHS):
            self.table.setColumnWidth(column, width)
        columns.sortIndicatorChanged.connect(self.model.sort)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.verticalScrollBar().valueChanged.connect(self._view_moved)
        self.model.dataChanged.connect(self._rows_arrived)

        self.detail = ContactDetailPanel()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([640, 360])  # proportions: the splitter scales them to its width

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(14)
        layout.addLayout(header)
        layout.addWidget(self.splitter, 1)
        self._selected_id: int | None = None
        self.model.refresh()

    # -- search, import -------------------------------------------------------------------

    def apply_search(self) -> None:
        """Filter by the search box now (typing does it once it pauses)."""
        self._search_timer.stop()
        self.model.set_search(self.search.text())

    def open_import(self, kind: ImportKind) -> None:
        from app.ui.imports import ImportWizard

        wizard = ImportWizard(self.context, kind, self)
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        wizard.imported.connect(lambda _report: self.model.refresh())
        wizard.open()

    def _view_moved(self) -> None:
        first = max(self.table.rowAt(0), 0)
        last = self.table.rowAt(self.table.viewport().height() - 1)
        self.model.view_shows(first, last if last >= 0 else first + 50)

    # -- the selected contact ---------------------------------------------------------------

    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = self.table.selectionModel().selectedRows()
        contact = self.model.row_at(rows[0].row()) if rows else None
        if contact is None:
            self._selected_id = None
            self.detail.show_message("Select a contact to see their details, events and journeys.")
            return
        self.show_contact(contact.id)

    def show_contact(self, contact_id: int) -> None:
        """Read a contact's detail off the GUI thread and show it when it arrives."""
        self._selected_id = contact_id
        workspace = self.context.workspace
        if self.detail.contact is None:
            self.detail.show_message("Loading…")
        self.context.background.submit_latest(
            f"contact-detail-{id(self)}",
            lambda: contact_detail(workspace, contact_id),
            self._detail_arrived,
            self._detail_failed,
        )

    def _detail_arrived(self, detail: ContactDetail) -> None:
        if detail.id == self._selected_id:
            self.detail.show_contact(detail)

    def _detail_failed(self, error: BaseException) -> None:
        if isinstance(error, ContactNotFound):
            self.detail.show_message("This contact is no longer in the workspace.")
        else:
            self.detail.show_message(f"The contact could not be read: {error}")

    def _rows_arrived(self) -> None:
        """A selected row whose block just arrived gets its detail."""
        rows = self.table.selectionModel().selectedRows()
        if rows and self._selected_id is None:
            contact = self.model.row_at(rows[0].row())
            if contact is not None:
                self.show_contact(contact.id)

    # -- the count ------------------------------------------------------------------------

    def _show_count(self, count: int) -> None:
        noun = "contact" if count == 1 else "contacts"
        search = self.model.query.search
        self.count_label.setText(
            f"{count:,} {noun} matching “{search}”" if search else f"{count:,} {noun}"
        )
        if count == 0:
            self.detail.show_message(
                "No contact matches this search." if search else _EMPTY_WORKSPACE
            )

    def _show_failure(self, message: str) -> None:
        self.count_label.setText(message)


_EMPTY_WORKSPACE = (
    "This workspace has no contacts yet. Import a CSV file of contacts with Import… above."
)
