"""What the designer may know of the workspace, as a few callables it is handed.

The designer never holds a workspace (STYLE 5, 11): the window fills a :class:`DesignerSources`
(:func:`workspace_sources` does it from the app's context) and hands it to
``DesignerWidget.set_sources``. Without one (tests, a journey file opened on its own) the
pickers offer what the document itself names, and the preview renders for a contact without
data.

``run(key, work, on_done, on_error)`` is how slow work (a contact search, a preview render) is
done: the window passes ``context.background.submit_latest``, so only the newest result per key
arrives, on the GUI thread. The default runs the work at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from app.domain.journey import Node
from app.services import preview
from app.services import segments as segment_service
from app.services.preview import ContactChoice, MessagePreview

if TYPE_CHECKING:
    from app.ui.context import AppContext

Runner = Callable[
    [str, Callable[[], Any], Callable[[Any], None], Callable[[BaseException], None]], Any
]


def run_now(
    key: str,
    work: Callable[[], Any],
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], None],
) -> None:
    """Run ``work`` at once on this thread (the default :data:`Runner`)."""
    del key
    try:
        result = work()
    except Exception as error:  # handed to the caller, as the background pool does
        on_error(error)
        return
    on_done(result)


def _no_contacts(text: str) -> list[ContactChoice]:
    del text
    return []


def _no_values(field: str) -> list[str] | None:
    del field
    return []


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _render_without_contact(
    node: Node, journey_name: str, contact_id: int | None
) -> MessagePreview:
    del contact_id
    return preview.render_message(node, journey_name, None)


@dataclass(frozen=True)
class DesignerSources:
    segment_names: Callable[[], Sequence[str]] = tuple
    """The workspace's segment names (entry, exclusion and branch pickers)."""
    attribute_keys: Callable[[], Sequence[str]] = tuple
    """The custom contact attributes (``attributes.<key>`` in the variable and field pickers)."""
    search_contacts: Callable[[str], Sequence[ContactChoice]] = _no_contacts
    """Contacts whose name or email contains the text (the preview's contact picker)."""
    render_preview: Callable[[Node, str, int | None], MessagePreview] = _render_without_contact
    """A message node rendered for a contact id (None: no contact) in a journey of that name."""
    attribute_types: Callable[[], Mapping[str, str]] = dict
    """The custom attributes with their catalogue types (``integer``, ``datetime``, …), for the
    condition rows."""
    event_types: Callable[[], Sequence[str]] = tuple
    """The event types present (behaviour conditions)."""
    present_values: Callable[[str], Sequence[str] | None] = _no_values
    """The values present in a contact field (the condition rows' suggestions)."""
    today: Callable[[], datetime] = _utc_now
    """Now, for the dates a new condition starts with."""
    run: Runner = field(default=run_now)
    check_names: bool = False
    """Whether the names above are the workspace's whole list, so that validation may call a
    segment or attribute that is not among them unknown."""


def workspace_sources(context: AppContext) -> DesignerSources:
    """Sources that read the app's workspace, slow ones through its background pool."""
    workspace = context.workspace
    return DesignerSources(
        segment_names=partial(preview.segment_names, workspace),
        attribute_keys=partial(preview.attribute_keys, workspace),
        search_contacts=partial(preview.search_contacts, workspace),
        render_preview=partial(preview.preview_message, workspace),
        attribute_types=lambda: segment_service.builder_choices(workspace).attributes,
        event_types=lambda: segment_service.builder_choices(workspace).event_types,
        present_values=partial(segment_service.present_values, workspace),
        today=context.now,
        run=context.background.submit_latest,
        check_names=True,
    )
