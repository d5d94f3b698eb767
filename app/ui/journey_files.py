"""Journey files in the window: New, Open, Save, Save As, and the unsaved-changes prompt.

Owns which file the designer's journey came from and whether it has unsaved changes (the undo
stack's clean state). Every way of leaving the current journey (New, Open, closing the window)
goes through :meth:`JourneyFiles.maybe_save`. Files are written whole to a temporary file beside
the target and then moved into place, so a failed save never leaves half a journey behind.

The questions it asks (which file, save changes?) are attributes holding functions, so tests
answer them without dialogs.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from enum import Enum
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from app.domain.journey import JourneyDocument
from app.domain.loading import DocumentError
from app.services.documents import JOURNEY_SUFFIX, read_journey
from app.ui.designer.editor import DesignerWidget, new_journey

FILE_FILTER = "Journeys (*.journey.json);;All files (*)"


class Unsaved(Enum):
    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


def write_journey(path: Path, document: JourneyDocument) -> None:
    """Write the journey file atomically (temporary file in the same folder, then rename)."""
    handle, temporary = tempfile.mkstemp(prefix=".journey-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
            file.write(document.to_json())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def suggested_file_name(document: JourneyDocument) -> str:
    stem = re.sub(r"[^\w-]+", "-", document.name.strip().lower()).strip("-") or "journey"
    return stem + JOURNEY_SUFFIX


class JourneyFiles(QObject):
    changed = Signal()
    """The file, the journey or its saved state changed (the window retitles itself)."""
    opened = Signal()

    def __init__(self, designer: DesignerWidget, window: QWidget) -> None:
        super().__init__(window)
        self.designer = designer
        self.window = window
        self.path: Path | None = None
        self.is_open = False
        self.ask_unsaved: Callable[[str], Unsaved] = self._ask_unsaved
        self.choose_open_path: Callable[[], Path | None] = self._choose_open_path
        self.choose_save_path: Callable[[], Path | None] = self._choose_save_path
        self.show_error: Callable[[str, str], None] = self._show_error
        designer.undo_stack.cleanChanged.connect(self._clean_changed)

    @property
    def modified(self) -> bool:
        return self.is_open and not self.designer.undo_stack.isClean()

    @property
    def journey_name(self) -> str:
        return self.designer.document.name

    # -- commands -------------------------------------------------------------------------

    def new(self) -> bool:
        if not self.maybe_save():
            return False
        self._show(new_journey(), None)
        return True

    def open(self, path: Path | None = None) -> bool:
        if not self.maybe_save():
            return False
        path = path or self.choose_open_path()
        if path is None:
            return False
        try:
            document = read_journey(path)
        except DocumentError as error:
            self.show_error("The journey could not be opened", str(error))
            return False
        self._show(document, path)
        return True

    def save(self) -> bool:
        if not self.is_open:
            return False
        if self.path is None:
            return self.save_as()
        return self._write(self.path)

    def save_as(self, path: Path | None = None) -> bool:
        if not self.is_open:
            return False
        path = path or self.choose_save_path()
        if path is None:
            return False
        if not path.name.endswith(JOURNEY_SUFFIX):
            path = path.with_name(path.name.removesuffix(".json") + JOURNEY_SUFFIX)
        return self._write(path)

    def maybe_save(self) -> bool:
        """True when it is fine to leave the journey: nothing unsaved, saved, or discarded."""
        if not self.modified:
            return True
        answer = self.ask_unsaved(self.journey_name)
        if answer is Unsaved.SAVE:
            return self.save()
        return answer is Unsaved.DISCARD

    # -- helpers --------------------------------------------------------------------------

    def _clean_changed(self, _clean: bool) -> None:
        self.changed.emit()

    def _show(self, document: JourneyDocument, path: Path | None) -> None:
        self.path = path
        self.is_open = True
        self.designer.load(document)
        self.opened.emit()
        self.changed.emit()

    def _write(self, path: Path) -> bool:
        try:
            write_journey(path, self.designer.document)
        except OSError as error:
            self.show_error("The journey could not be saved", f"{path}: {error.strerror or error}")
            return False
        self.path = path
        self.designer.undo_stack.setClean()
        self.changed.emit()
        return True

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

    def _choose_open_path(self) -> Path | None:
        name, _filter = QFileDialog.getOpenFileName(
            self.window, "Open journey", str(self._folder()), FILE_FILTER
        )
        return Path(name) if name else None

    def _choose_save_path(self) -> Path | None:
        start = self._folder() / (
            self.path.name if self.path else suggested_file_name(self.designer.document)
        )
        name, _filter = QFileDialog.getSaveFileName(
            self.window, "Save journey as", str(start), FILE_FILTER
        )
        return Path(name) if name else None

    def _folder(self) -> Path:
        return self.path.parent if self.path is not None else Path.home()

    def _show_error(self, title: str, text: str) -> None:
        QMessageBox.warning(self.window, title, text)
