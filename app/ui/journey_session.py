"""The journey open in the designer: which one, its state, saving it, going live.

Journeys live in the workspace (DESIGN §4). A session holds the open journey's id, status and
published version, and whether it has unsaved changes (the undo stack's clean state). Every way
of leaving the journey (opening another, New, back to the list, closing the window) goes through
:meth:`JourneySession.maybe_save`.

Read-only rule: a journey that has gone live (live, paused, stopped, completed) opens read-only,
showing what runs; "Edit as new version" unlocks its draft, and "Go live" then publishes the
next version while contacts in flight finish on theirs. A draft that already differs from the
published version opens unlocked. Stopped and completed journeys stay read-only for good.

The questions it asks (save changes? are you sure?) and the errors it shows are attributes
holding functions, so tests answer them without dialogs.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from types import ModuleType

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from app.domain.journey import JourneyDocument, Node
from app.domain.validation import Finding, has_errors
from app.services import journey_library as library
from app.store.versions import load_version
from app.ui.context import AppContext
from app.ui.designer.editor import DesignerWidget

PUBLISHED_STATUSES = ("live", "paused", "stopped", "completed")
FINAL_STATUSES = ("stopped", "completed")


def _lifecycle_service() -> ModuleType:
    """:mod:`app.services.journeys`, imported on first use: it brings the engine's modules,
    which start-up does not need (DESIGN §8: window shown within 2 s)."""
    from app.services import journeys

    return journeys


class Unsaved(Enum):
    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


class JourneySession(QObject):
    changed = Signal()
    """The journey, its status, its read-only state or its saved state changed."""
    opened = Signal()
    library_changed = Signal()
    """Something the journeys list shows changed (saved, published, paused, …)."""

    def __init__(self, context: AppContext, designer: DesignerWidget, window: QWidget) -> None:
        super().__init__(window)
        self.context = context
        self.designer = designer
        self.window = window
        self.journey_id: str | None = None
        self.status = "draft"
        self.current_version: int | None = None
        self.editing_new_version = False
        self.stored_name = ""
        """The journey's name in the workspace (the draft being edited may rename it)."""
        self.last_findings: list[Finding] = []
        self.ask_unsaved: Callable[[str], Unsaved] = self._ask_unsaved
        self.confirm: Callable[[str, str], bool] = self._confirm
        self.show_error: Callable[[str, str], None] = self._show_error
        designer.undo_stack.cleanChanged.connect(self._clean_changed)

    # -- state ----------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.journey_id is not None

    @property
    def modified(self) -> bool:
        return self.is_open and not self.designer.undo_stack.isClean()

    @property
    def read_only(self) -> bool:
        if self.status in FINAL_STATUSES:
            return True
        return self.status in PUBLISHED_STATUSES and not self.editing_new_version

    @property
    def journey_name(self) -> str:
        return self.designer.document.name

    # -- opening --------------------------------------------------------------------------

    def open(self, journey_id: str) -> bool:
        if not self.maybe_save():
            return False
        try:
            opened = library.open_journey(self.context.workspace, journey_id)
        except LookupError as error:
            self.show_error("The journey could not be opened", str(error))
            return False
        self._show(journey_id, opened.document, opened.status, opened.current_version)
        return True

    def new(self) -> bool:
        """A new draft with only its start node, saved into the workspace under a free name."""
        if not self.maybe_save():
            return False
        taken = {row.name for row in library.list_journeys(self.context.workspace)}
        name, number = "Untitled journey", 2
        while name in taken:
            name, number = f"Untitled journey {number}", number + 1
        document = JourneyDocument(name=name, nodes=[Node(id="start", kind="start", title="Start")])
        library.save_draft(self.context.workspace, document, self.context.now())
        self.library_changed.emit()
        self._show(document.id, document, "draft", None)
        return True

    def close(self) -> bool:
        """Leave the journey (asking about unsaved changes first)."""
        if not self.maybe_save():
            return False
        self.journey_id = None
        self.changed.emit()
        return True

    # -- saving and lifecycle -------------------------------------------------------------

    def save(self) -> bool:
        if not self.is_open or self.read_only:
            return False
        try:
            library.save_draft(self.context.workspace, self.designer.document, self.context.now())
        except library.JourneyNameTaken as error:
            self.show_error("The journey could not be saved", f"{error}. Choose another name.")
            return False
        self.stored_name = self.designer.document.name
        self.designer.undo_stack.setClean()
        self.library_changed.emit()
        self.changed.emit()
        return True

    def maybe_save(self) -> bool:
        """True when it is fine to leave the journey: nothing unsaved, saved, or discarded."""
        if not self.modified:
            return True
        answer = self.ask_unsaved(self.journey_name)
        if answer is Unsaved.SAVE:
            return self.save()
        return answer is Unsaved.DISCARD

    def go_live(self) -> bool:
        """Validate against the workspace and publish the next version; on errors nothing is
        written and :attr:`last_findings` holds what blocks it."""
        if not self.is_open or self.read_only:
            return False
        document = self.designer.document
        lifecycle = _lifecycle_service()
        try:
            result = lifecycle.publish(self.context.workspace, document, self.context.now())
        except (lifecycle.LifecycleError, library.JourneyNameTaken) as error:
            self.show_error("The journey cannot go live", str(error))
            return False
        self.last_findings = result.findings
        if not result.published:
            errors = [finding for finding in result.findings if finding.severity == "error"]
            self.show_error(
                "The journey cannot go live yet",
                "Fix these first:\n" + "\n".join(f"• {finding.message}" for finding in errors),
            )
            return False
        assert not has_errors(result.findings)
        self.status, self.current_version = "live", result.version
        self.stored_name = document.name
        self.editing_new_version = False
        self.designer.undo_stack.setClean()
        self._apply_read_only()
        self.library_changed.emit()
        self.changed.emit()
        return True

    def edit_as_new_version(self) -> None:
        if self.is_open and self.status in ("live", "paused"):
            self.editing_new_version = True
            self._apply_read_only()
            self.changed.emit()

    def pause(self) -> bool:
        return self._lifecycle(_lifecycle_service().pause, "paused")

    def resume(self) -> bool:
        return self._lifecycle(_lifecycle_service().resume, "live")

    def stop(self) -> bool:
        question = (
            f"Stop “{self.journey_name}” for good? Everyone still in it leaves the journey and "
            "nothing more is sent. A stopped journey cannot go live again."
        )
        if not self.confirm("Stop the journey", question):
            return False
        return self._lifecycle(_lifecycle_service().stop, "stopped")

    # -- helpers --------------------------------------------------------------------------

    def _clean_changed(self, _clean: bool) -> None:
        self.changed.emit()

    def _lifecycle(self, change: Callable[..., object], status: str) -> bool:
        if not self.is_open:
            return False
        lifecycle = _lifecycle_service()
        try:
            change(self.context.workspace, self.stored_name, self.context.now())
        except (lifecycle.LifecycleError, lifecycle.JourneyNotFound) as error:
            self.show_error("The journey's state was not changed", str(error))
            return False
        self.status = status
        if status in FINAL_STATUSES:
            self.editing_new_version = False
        self._apply_read_only()
        self.library_changed.emit()
        self.changed.emit()
        return True

    def _show(
        self, journey_id: str, document: JourneyDocument, status: str, version: int | None
    ) -> None:
        self.journey_id = journey_id
        self.stored_name = document.name
        self.status, self.current_version = status, version
        self.editing_new_version = (
            status in ("live", "paused")
            and version is not None
            and self._published(journey_id, version) != document
        )
        self.designer.load(document)
        self._apply_read_only()
        self.opened.emit()
        self.changed.emit()

    def _published(self, journey_id: str, version: int) -> JourneyDocument:
        with self.context.workspace.reader() as connection:
            return load_version(connection, journey_id, version)

    def _apply_read_only(self) -> None:
        self.designer.set_read_only(self.read_only)

    def _ask_unsaved(self, name: str) -> Unsaved:
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self.window,
            "Unsaved changes",
            f"Save the changes to “{name}” before closing it?",
            buttons.Save | buttons.Discard | buttons.Cancel,
            buttons.Save,
        )
        if answer == buttons.Save:
            return Unsaved.SAVE
        return Unsaved.DISCARD if answer == buttons.Discard else Unsaved.CANCEL

    def _confirm(self, title: str, text: str) -> bool:
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(self.window, title, text, buttons.Yes | buttons.Cancel)
        return answer == buttons.Yes

    def _show_error(self, title: str, text: str) -> None:
        QMessageBox.warning(self.window, title, text)
