"""Reading journey and segment files from disk, for the command line and the app.

The domain parses text; this module owns the files: it reads them (UTF-8, with or without a
byte-order mark), names each by its path in errors, and gathers a folder of segments. A journey
file is written whole to a temporary file beside the target and then moved into place, so a
failed save never leaves half a journey behind.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.domain.journey import JourneyDocument
from app.domain.loading import DocumentError, Problem, load_journey, load_segment
from app.domain.segment import SegmentDocument
from app.domain.validation import Finding, validate_journey

SEGMENT_SUFFIX = ".segment.json"
JOURNEY_SUFFIX = ".journey.json"


def read_journey(path: Path) -> JourneyDocument:
    """Load a journey file; :class:`DocumentError` names the file and where it is wrong."""
    return load_journey(_read_bytes(path), str(path))


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


def suggested_file_name(journey_name: str) -> str:
    """``Re-engagement`` → ``re-engagement.journey.json``."""
    stem = re.sub(r"[^\w-]+", "-", journey_name.strip().lower()).strip("-") or "journey"
    return stem + JOURNEY_SUFFIX


def read_segment(path: Path) -> SegmentDocument:
    return load_segment(_read_bytes(path), str(path))


def read_segments(path: Path) -> dict[str, SegmentDocument]:
    """Segments from one ``*.segment.json`` file or every such file in a folder, by name.

    Two files defining the same name are refused, naming both.
    """
    files = sorted(path.glob(f"*{SEGMENT_SUFFIX}")) if path.is_dir() else [path]
    segments: dict[str, SegmentDocument] = {}
    origin: dict[str, Path] = {}
    for file in files:
        segment = read_segment(file)
        if segment.name in segments:
            message = f"segment “{segment.name}” is also defined in {origin[segment.name]}"
            raise DocumentError(str(file), [Problem(message, path="name")])
        segments[segment.name] = segment
        origin[segment.name] = file
    return segments


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise DocumentError(str(path), [Problem("no such file")]) from None
    except IsADirectoryError:
        raise DocumentError(str(path), [Problem("is a folder, not a file")]) from None
    except OSError as error:
        raise DocumentError(str(path), [Problem(error.strerror or str(error))]) from None


@dataclass(frozen=True)
class FileValidation:
    """A journey file checked against a set of segments (or none, when names are not known)."""

    document: JourneyDocument
    findings: list[Finding]
    segments_checked: bool


def validate_journey_file(journey: Path, segments: Path | None, now: datetime) -> FileValidation:
    """Load a journey file (and segments, when given) and run every validation rule."""
    document = read_journey(journey)
    known = None if segments is None else set(read_segments(segments))
    findings = validate_journey(document, known_segments=known, now=now)
    return FileValidation(document, findings, segments_checked=known is not None)
