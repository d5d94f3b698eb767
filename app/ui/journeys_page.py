"""The Journeys page: the workspace's journeys, and the designer for the one that is open.

Two views in a stack. The list (name, status, version, entered, active) with New, Open, Import,
Export, Duplicate and Delete (drafts only); its figures are loaded off the GUI thread and
refreshed after every engine tick. The editor: a header with the journey's name, status and
what can be done with it (Save, Go live, Edit as new version, Pause, Resume, Stop), above the
designer. What may be done when is :class:`~app.ui.journey_session.JourneySession`'s rule; this
page only shows it.

Once a journey has gone live, its analytics (DESIGN §6: who entered each node, who is there now,
messages sent and opened, the way each choice went) are drawn under the cards and its totals in
the header, loaded off the GUI thread when it opens and after every engine tick.

The file questions (which file to import, where to export) are attributes holding functions,
so tests answer them without dialogs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.loading import DocumentError
from app.services import journey_library as library
from app.services.documents import suggested_file_name
from app.services.reports import JourneyReport, JourneySummary, journey_report, journey_summaries
from app.ui.background import Coalesced
from app.ui.context import AppContext
from app.ui.designer.editor import DesignerWidget
from app.ui.designer.properties.sources import workspace_sources
from app.ui.journey_figures import card_lines, journey_line
from app.ui.journey_list import JourneyTable
from app.ui.journey_session import JourneySession

FILE_FILTER = "Journeys (*.journey.json);;All files (*)"
REPORT_PAUSE_MS = 5000
"""At least this long between two readings of an open journey's analytics: on a million
contacts one reading takes seconds (bench/report.py), and the engine ticks every 5 s."""
EMPTY_TEXT = (
    "No journeys in this workspace yet. Start a new journey: pick the segment whose members "
    "enter it, then draw what happens to them — emails, text messages, waits and branches. "
    "Or import a journey file (*.journey.json) someone shared with you."
)
STATUS_TEXT = {
    "draft": "Draft",
    "live": "Live",
    "paused": "Paused",
    "stopped": "Stopped",
    "completed": "Completed",
}


class JourneysPage(QWidget):
    message = Signal(str, int)
    """A sentence for the status bar and how long to show it (ms)."""

    def __init__(
        self, context: AppContext, area: object = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.context = context
        self.area = area
        self.designer = DesignerWidget()
        self.designer.set_sources(workspace_sources(context))
        self.session = JourneySession(context, self.designer, self)
        self.table = JourneyTable()
        self.choose_import_path: Callable[[], Path | None] = self._choose_import_path
        self.choose_export_path: Callable[[str], Path | None] = self._choose_export_path
        self.buttons: dict[str, QPushButton] = {}
        self._report_of: str | None = None
        workspace = context.workspace
        self._summaries = Coalesced(
            context.background,
            lambda: journey_summaries(workspace),
            self._show_journeys,
            parent=self,
        )
        self._report = Coalesced(
            context.background,
            self._read_report,
            self._show_report,
            self._report_failed,
            pause_ms=REPORT_PAUSE_MS,
            parent=self,
        )
        self.list_view = self._build_list()
        self.editor_view = self._build_editor()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.list_view)
        self.stack.addWidget(self.editor_view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.session.changed.connect(self._show_state)
        self.session.opened.connect(self.show_designer)
        self.session.opened.connect(self.refresh_figures)
        self.session.opened.connect(self._read_workspace_names)
        self.session.library_changed.connect(self.refresh)
        self.table.journey_activated.connect(self.session.open)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.designer.message.connect(self.message)
        self._selection_changed()
        self._show_state()
        self.refresh()

    # -- the list -------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the list's rows and figures, and the open journey's analytics, off the GUI
        thread (asks while a reading runs make one more reading, never a queue)."""
        self._summaries.ask()
        self.refresh_figures()

    def refresh_figures(self) -> None:
        """Load the open journey's analytics (none for a draft that never went live)."""
        session = self.session
        if not session.is_open or session.current_version is None:
            self._report_of = None
            self._show_report(None)
            return
        self._report_of = session.stored_name
        self._report.ask()

    def _read_report(self) -> JourneyReport | None:
        name = self._report_of  # set on the GUI thread before each ask
        return None if name is None else journey_report(self.context.workspace, name)

    def _read_workspace_names(self) -> None:
        """Segments and attributes may have changed since the last journey was opened."""
        self.designer.set_sources(workspace_sources(self.context))

    def _show_report(self, report: JourneyReport | None) -> None:
        stale = report is not None and report.journey_id != self.session.journey_id
        if report is None or stale:
            self.designer.scene.set_stats({})
            self.figures.setText("")
            self.figures.setVisible(False)
            return
        self.designer.scene.set_stats(card_lines(report))
        self.figures.setText(journey_line(report))
        self.figures.setVisible(True)

    def _report_failed(self, error: BaseException) -> None:
        self._show_report(None)
        self.message.emit(f"The journey's figures could not be read: {error}", 8000)

    def _show_journeys(self, rows: list[JourneySummary]) -> None:
        self.table.set_journeys(rows)
        self.empty_card.setVisible(not rows)
        self.table.setVisible(bool(rows))
        self._selection_changed()

    def _selection_changed(self) -> None:
        chosen = self.table.selected()
        for name in ("open", "export", "duplicate"):
            self.buttons[name].setEnabled(chosen is not None)
        self.buttons["delete"].setEnabled(
            chosen is not None and chosen.status == "draft" and chosen.current_version is None
        )

    def open_selected(self) -> bool:
        chosen = self.table.selected_id()
        return chosen is not None and self.session.open(chosen)

    def import_file(self, path: Path | None = None) -> bool:
        path = path or self.choose_import_path()
        if path is None:
            return False
        try:
            opened = library.import_journey_file(self.context.workspace, path, self.context.now())
        except (DocumentError, library.JourneyNameTaken) as error:
            self.session.show_error("The journey could not be imported", str(error))
            return False
        self.message.emit(f"Imported “{opened.document.name}” from {path.name}", 5000)
        self.refresh()
        return self.session.open(opened.document.id)

    def export_selected(self, path: Path | None = None) -> bool:
        chosen = self.table.selected()
        if chosen is None:
            return False
        path = path or self.choose_export_path(chosen.name)
        if path is None:
            return False
        try:
            library.export_journey(self.context.workspace, chosen.id, path)
        except OSError as error:
            self.session.show_error("The journey could not be exported", f"{path}: {error}")
            return False
        self.message.emit(f"Exported “{chosen.name}” to {path}", 5000)
        return True

    def duplicate_selected(self) -> str | None:
        chosen = self.table.selected()
        if chosen is None:
            return None
        copy = library.duplicate_journey(self.context.workspace, chosen.id, self.context.now())
        self.message.emit(f"Duplicated as “{copy.name}”", 5000)
        self.refresh()
        return copy.id

    def delete_selected(self) -> bool:
        chosen = self.table.selected()
        if chosen is None:
            return False
        question = f"Delete the draft “{chosen.name}”? This cannot be undone."
        if not self.session.confirm("Delete journey", question):
            return False
        try:
            library.delete_journey(self.context.workspace, chosen.id)
        except library.JourneyNotDeletable as error:
            self.session.show_error("The journey was not deleted", str(error))
            return False
        self.message.emit(f"Deleted “{chosen.name}”", 5000)
        self.refresh()
        return True

    # -- the editor -----------------------------------------------------------------------

    def show_designer(self) -> None:
        self.stack.setCurrentWidget(self.editor_view)

    def show_list(self) -> bool:
        """Back to the list (asking about unsaved changes first)."""
        if not self.session.close():
            return False
        self.stack.setCurrentWidget(self.list_view)
        self.refresh()
        return True

    @property
    def designer_shown(self) -> bool:
        return self.stack.currentWidget() is self.editor_view

    def _show_state(self) -> None:
        session = self.session
        status = session.status
        self.journey_title.setText(session.journey_name if session.is_open else "")
        self.status_chip.setText(STATUS_TEXT.get(status, status))
        self.status_chip.setProperty("status", status)
        self.status_chip.style().unpolish(self.status_chip)
        self.status_chip.style().polish(self.status_chip)
        self.state_note.setText(self._state_note())
        running = status in ("live", "paused")
        editing = not session.read_only
        shown = {
            "save": editing,
            "go_live": editing,
            "edit_version": running and session.read_only,
            "pause": status == "live",
            "resume": status == "paused",
            "stop": running,
        }
        for name, visible in shown.items():
            self.buttons[name].setVisible(visible)
        self.buttons["save"].setEnabled(session.modified)
        next_version = (session.current_version or 0) + 1
        self.buttons["go_live"].setText(
            "Go live" if session.current_version is None else f"Go live as version {next_version}"
        )

    def _state_note(self) -> str:
        session = self.session
        version = session.current_version
        if session.status == "draft":
            return "Draft — Go live checks every step, then contacts in the segment enter."
        if session.status in ("stopped", "completed"):
            return f"Version {version} {session.status}. Duplicate it to run it again."
        if session.editing_new_version:
            return (
                f"Editing the next version. Version {version} keeps running; contacts already "
                "in it finish on it."
            )
        return (
            f"Version {version} is {session.status} and read-only. "
            "Edit as new version to change it."
        )

    # -- building -------------------------------------------------------------------------

    def _button(
        self, name: str, text: str, slot: Callable[[], object], primary: bool = False
    ) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName("primaryButton" if primary else "secondaryButton")
        button.clicked.connect(lambda _checked=False: slot())
        self.buttons[name] = button
        return button

    def _build_list(self) -> QWidget:
        title = QLabel("Journeys")
        title.setObjectName("pageTitle")
        hint = QLabel(
            "A contact who enters a journey's segment starts it and leaves when they finish, "
            "leave the segment or convert. Double-click a journey to open it."
        )
        hint.setObjectName("pageHint")
        hint.setWordWrap(True)
        toolbar = QHBoxLayout()
        toolbar.setSpacing(8)
        for button in (
            self._button("new", "New journey", self.session.new, primary=True),
            self._button("open", "Open", self.open_selected),
            self._button("import", "Import…", self.import_file),
            self._button("export", "Export…", self.export_selected),
            self._button("duplicate", "Duplicate", self.duplicate_selected),
            self._button("delete", "Delete", self.delete_selected),
        ):
            toolbar.addWidget(button)
        toolbar.addStretch(1)
        self.empty_hint = QLabel(EMPTY_TEXT)
        self.empty_hint.setObjectName("placeholderText")
        self.empty_hint.setWordWrap(True)
        card = QFrame()
        card.setObjectName("placeholderCard")
        card.setMaximumWidth(720)
        card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(24, 20, 24, 24)
        card_layout.addWidget(self.empty_hint)
        self.empty_card = card
        card.setVisible(False)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(40, 32, 40, 32)
        layout.setSpacing(16)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addLayout(toolbar)
        layout.addWidget(card)
        layout.addWidget(self.table, 1)
        return page

    def _build_editor(self) -> QWidget:
        back = QPushButton("← Journeys")
        back.setObjectName("linkButton")
        back.clicked.connect(lambda _checked=False: self.show_list())
        self.journey_title = QLabel()
        self.journey_title.setObjectName("journeyTitle")
        self.status_chip = QLabel()
        self.status_chip.setObjectName("statusChip")
        self.state_note = QLabel()
        self.state_note.setObjectName("stateNote")
        self.state_note.setWordWrap(True)
        self.state_note.setMinimumWidth(120)
        self.figures = QLabel()
        self.figures.setObjectName("journeyFigures")
        header = QFrame()
        header.setObjectName("journeyHeader")
        rows = QVBoxLayout(header)
        rows.setContentsMargins(16, 8, 16, 8)
        rows.setSpacing(2)
        row = QHBoxLayout()
        row.setSpacing(10)
        rows.addLayout(row)
        rows.addWidget(self.figures)  # a running journey's totals, under its name
        row.addWidget(back)
        row.addWidget(self.journey_title)
        row.addWidget(self.status_chip)
        row.addWidget(self.state_note, 1)
        for button in (
            self._button("save", "Save", self.session.save),
            self._button("edit_version", "Edit as new version", self.session.edit_as_new_version),
            self._button("pause", "Pause", self.session.pause),
            self._button("resume", "Resume", self.session.resume),
            self._button("stop", "Stop", self.session.stop),
            self._button("go_live", "Go live", self.session.go_live, primary=True),
        ):
            row.addWidget(button)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(header)
        layout.addWidget(self.designer, 1)
        return page

    def _choose_import_path(self) -> Path | None:
        name, _filter = QFileDialog.getOpenFileName(
            self, "Import journey", str(Path.home()), FILE_FILTER
        )
        return Path(name) if name else None

    def _choose_export_path(self, journey_name: str) -> Path | None:
        name, _filter = QFileDialog.getSaveFileName(
            self,
            "Export journey",
            str(Path.home() / suggested_file_name(journey_name)),
            FILE_FILTER,
        )
        return Path(name) if name else None
