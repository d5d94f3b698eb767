"""Message preview for the designer: find a contact, render a message node for them, count SMS.

Rendering is the product's own (:func:`app.domain.templates.render`, the sandbox the engine
sends with) and the contact's variables are built as the engine builds them
(:func:`app.engine.nodes.contact_data`, ``journey.name``), so a preview shows what that contact
would get. The per-message links (``unsubscribe_url``, ``view_url``) are stand-ins that lead
nowhere: a preview is not a message and signs nothing.

Invariants: a template problem never escapes :func:`render_message`; it becomes that part's
``error`` (the other parts still render). Nothing here writes to the workspace.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import func, or_, select

from app.domain.journey import Node
from app.domain.registry import spec_for
from app.domain.templates import TemplateProblem, render
from app.engine.nodes import CONTACT_COLUMNS, contact_data
from app.store.contacts import read_catalogue
from app.store.schema import contacts, segments
from app.store.workspace import Workspace

PREVIEW_LINKS: Mapping[str, str] = {
    "unsubscribe_url": "https://preview.invalid/unsubscribe",
    "view_url": "https://preview.invalid/view",
}
"""What the per-message links read as in a preview."""

SEARCH_LIMIT = 20

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
"""The GSM 03.38 default alphabet: one septet each."""
GSM_EXTENDED = frozenset("^{}\\[~]|€\f")
"""Characters of the GSM extension table: two septets each (an escape and the character)."""


@dataclass(frozen=True)
class ContactChoice:
    """A contact as the preview's contact picker lists it."""

    id: int
    name: str
    email: str | None

    @property
    def label(self) -> str:
        if self.email and self.name:
            return f"{self.name} <{self.email}>"
        return self.name or self.email or f"Contact {self.id}"


@dataclass(frozen=True)
class SmsLength:
    """How long a text message is and how many SMS it takes to send."""

    characters: int
    encoding: Literal["GSM-7", "UCS-2"]
    units: int
    """Septets (GSM-7) or UTF-16 code units (UCS-2): what the segment count is counted in."""
    segments: int

    def describe(self) -> str:
        plural = "" if self.segments == 1 else "s"
        return f"{self.characters} characters · {self.encoding} · {self.segments} SMS{plural}"


@dataclass(frozen=True)
class RenderedPart:
    """One template field of a message, rendered for a contact, or the reason it failed."""

    field: str
    html: bool
    text: str
    error: str | None = None


@dataclass(frozen=True)
class MessagePreview:
    parts: tuple[RenderedPart, ...]
    sms: SmsLength | None = None

    def part(self, field: str) -> RenderedPart | None:
        return next((part for part in self.parts if part.field == field), None)

    @property
    def errors(self) -> list[str]:
        return [part.error for part in self.parts if part.error]


def sms_length(text: str) -> SmsLength:
    """GSM-7 when every character is in the GSM alphabet (160 per SMS, 153 per part of a longer
    one), else UCS-2 (70, or 67 per part)."""
    if all(char in GSM_BASIC or char in GSM_EXTENDED for char in text):
        units = sum(2 if char in GSM_EXTENDED else 1 for char in text)
        single, part, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, part, encoding = 70, 67, "UCS-2"
    if units == 0:
        segments = 0
    elif units <= single:
        segments = 1
    else:
        segments = math.ceil(units / part)
    return SmsLength(len(text), encoding, units, segments)  # type: ignore[arg-type]


def render_message(
    node: Node, journey_name: str, contact: Mapping[str, Any] | None = None
) -> MessagePreview:
    """Every template field of ``node`` rendered for ``contact`` (None: a contact with no data)."""
    spec = spec_for(node.kind)
    config = node.config or {}
    variables = contact or {"attributes": {}}
    context = {"journey": {"name": journey_name}, **PREVIEW_LINKS}
    parts = []
    for template in spec.templates:
        source = config.get(template.name)
        if not isinstance(source, str):
            source = ""
        try:
            text = render(source, variables, context, html=template.html)
        except TemplateProblem as problem:
            parts.append(RenderedPart(template.name, template.html, "", problem.message))
            continue
        parts.append(
            RenderedPart(template.name, template.html, text if template.multiline else text.strip())
        )
    sms = None
    if spec.channel == "sms" and parts and parts[0].error is None:
        sms = sms_length(parts[0].text)
    return MessagePreview(tuple(parts), sms)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_contacts(
    workspace: Workspace, text: str, limit: int = SEARCH_LIMIT
) -> list[ContactChoice]:
    """Contacts whose name or email contains ``text`` (any case); all of them, by name, when
    ``text`` is blank; at most ``limit``."""
    full_name = func.trim(
        func.coalesce(contacts.c.first_name, "") + " " + func.coalesce(contacts.c.last_name, "")
    )
    query = select(contacts.c.id, full_name.label("name"), contacts.c.email)
    words = text.strip().lower()
    if words:
        pattern = f"%{_escape_like(words)}%"
        query = query.where(
            or_(
                func.lower(full_name).like(pattern, escape="\\"),
                func.lower(func.coalesce(contacts.c.email, "")).like(pattern, escape="\\"),
            )
        )
    query = query.order_by(
        contacts.c.last_name, contacts.c.first_name, contacts.c.email, contacts.c.id
    ).limit(limit)
    with workspace.reader() as connection:
        rows = connection.execute(query).all()
    return [ContactChoice(row.id, row.name or "", row.email) for row in rows]


def contact_variables(workspace: Workspace, contact_id: int) -> dict[str, Any]:
    """The template variables of one contact, as the engine hands them to a template."""
    query = select(contacts.c.id, contacts.c.attributes, *CONTACT_COLUMNS).where(
        contacts.c.id == contact_id
    )
    with workspace.reader() as connection:
        row = connection.execute(query).mappings().first()
    if row is None:
        raise LookupError(f"there is no contact {contact_id} in this workspace")
    return contact_data(row)


def preview_message(
    workspace: Workspace, node: Node, journey_name: str, contact_id: int | None
) -> MessagePreview:
    """``node``'s message as the contact ``contact_id`` would get it (None: no contact data)."""
    contact = None if contact_id is None else contact_variables(workspace, contact_id)
    return render_message(node, journey_name, contact)


def attribute_keys(workspace: Workspace) -> list[str]:
    """The workspace's custom contact attributes, by name."""
    with workspace.reader() as connection:
        return sorted(read_catalogue(connection))


def segment_names(workspace: Workspace) -> list[str]:
    """The names of the workspace's segments, alphabetically."""
    with workspace.reader() as connection:
        return list(connection.scalars(select(segments.c.name).order_by(segments.c.name)))
