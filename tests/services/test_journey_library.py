"""Journeys in the workspace: list, open, save, import, export, duplicate, delete."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.services import journey_library as library
from app.services.documents import read_journey, read_segments
from app.services.journeys import publish
from app.store.segments import save_segment
from app.store.workspace import Workspace

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
REENGAGEMENT = SAMPLES / "re-engagement.journey.json"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_an_imported_file_is_a_draft_that_opens_as_it_was(workspace: Workspace) -> None:
    opened = library.import_journey_file(workspace, REENGAGEMENT, NOW)
    assert opened.status == "draft"
    assert opened.current_version is None
    assert opened.document == read_journey(REENGAGEMENT)
    [row] = library.list_journeys(workspace)
    assert (row.name, row.status, row.versions) == ("Re-engagement", "draft", 0)


def test_importing_the_same_id_again_replaces_the_draft(workspace: Workspace) -> None:
    library.import_journey_file(workspace, REENGAGEMENT, NOW)
    changed = read_journey(REENGAGEMENT).model_copy(update={"description": "second"})
    library.save_draft(workspace, changed, NOW)
    assert library.open_journey(workspace, changed.id).document.description == "second"
    assert len(library.list_journeys(workspace)) == 1


def test_a_different_journey_with_a_taken_name_is_refused(
    workspace: Workspace, tmp_path: Path
) -> None:
    library.import_journey_file(workspace, REENGAGEMENT, NOW)
    other = read_journey(REENGAGEMENT).model_copy(update={"id": "another-id"})
    path = tmp_path / "other.journey.json"
    path.write_text(other.to_json(), encoding="utf-8")
    with pytest.raises(library.JourneyNameTaken, match="Re-engagement"):
        library.import_journey_file(workspace, path, NOW)
    assert len(library.list_journeys(workspace)) == 1


def test_export_writes_the_draft_byte_for_byte(workspace: Workspace, tmp_path: Path) -> None:
    opened = library.import_journey_file(workspace, REENGAGEMENT, NOW)
    target = tmp_path / "out.journey.json"
    library.export_journey(workspace, opened.document.id, target)
    assert read_journey(target) == opened.document
    assert target.read_text(encoding="utf-8") == opened.document.to_json()


def test_duplicates_get_free_names_and_new_ids(workspace: Workspace) -> None:
    original = library.import_journey_file(workspace, REENGAGEMENT, NOW).document
    first = library.duplicate_journey(workspace, original.id, NOW)
    second = library.duplicate_journey(workspace, original.id, NOW)
    assert (first.name, second.name) == ("Re-engagement (copy)", "Re-engagement (copy 2)")
    assert len({original.id, first.id, second.id}) == 3
    assert first.nodes == original.nodes and first.edges == original.edges


def test_only_a_draft_that_never_went_live_can_be_deleted(workspace: Workspace) -> None:
    with workspace.writer() as connection:
        for segment in read_segments(SAMPLES).values():
            save_segment(connection, segment, NOW)
    live = library.import_journey_file(workspace, REENGAGEMENT, NOW).document
    copy = library.duplicate_journey(workspace, live.id, NOW)
    assert publish(workspace, live, NOW).published
    with pytest.raises(library.JourneyNotDeletable, match="live"):
        library.delete_journey(workspace, live.id)
    library.delete_journey(workspace, copy.id)
    assert [row.name for row in library.list_journeys(workspace)] == ["Re-engagement"]
    [row] = library.list_journeys(workspace)
    assert (row.status, row.current_version, row.versions) == ("live", 1, 1)
