"""What a property form may ask about, and the words it shows for fields and choices.

:class:`FormContext` holds the document, the node being edited and the designer's sources
(segment names, custom attributes); editors ask it for the names their pickers offer, so that
without a workspace the pickers still offer what the document names.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.domain.conditions import CONTACT_FIELDS
from app.domain.journey import JourneyDocument
from app.domain.validation import TEMPLATE_CONTEXT_VARIABLES
from app.ui.designer.properties.sources import DesignerSources


def _ignore(error: BaseException) -> None:
    del error  # suggestions are a convenience; without them the rows still take any value


LABELS = {
    "body_html": "HTML body",
    "body_text": "Text body",
    "from_name": "From name",
    "from_email": "From address",
    "reply_to": "Reply-to address",
    "url": "Link",
    "due_in": "Due in",
    "at": "Until",
    "time": "Time of day",
    "days": "On days",
    "field": "Date field",
    "offset": "Offset",
    "wait_up_to": "Wait up to",
    "decide_after": "Decide after",
    "min_per_variant": "Contacts per variant before deciding",
    "metric": "Winner by",
    "mode": "Wait",
    "timezone": "Time zone",
}
"""Labels that read better than the field name; others are the name in words."""

CHOICE_LABELS = {
    "duration": "For a time",
    "until": "Until a date",
    "time_of_day": "Until a time of day",
    "until_attribute": "Until a date of the contact",
    "timezone.contact": "Contact's time zone",
    "timezone.journey": "Journey's time zone",
    "audience.contact": "Contacts",
    "audience.lead": "Leads",
    "audience.any": "Contacts and leads",
    "re_entry.never": "Never: once per contact",
    "re_entry.after_exit": "Again, some time after leaving",
    "re_entry.after_rejoin": "Again, after rejoining the segment",
    "opened": "Opens",
    "clicked": "Clicks",
    "goal": "Goal",
}
"""Words for choice values where the value is not a word a marketer uses (``field.value`` keys
are for one field only)."""


def label_for(name: str) -> str:
    return LABELS.get(name, name.replace("_", " ").capitalize())


def choice_label(value: str, field: str = "") -> str:
    words = CHOICE_LABELS.get(f"{field}.{value}") or CHOICE_LABELS.get(value)
    return words or value.replace("_", " ").capitalize()


@dataclass
class FormContext:
    """The document, the sources, and the node a form edits (None: the journey settings)."""

    document: JourneyDocument
    sources: DesignerSources
    node_id: str | None = None
    _asked: dict[str, Any] = field(default_factory=dict)
    """What the sources answered, asked once per form (a form is built per selection)."""
    _values: dict[str, list[str]] = field(default_factory=dict)

    def _ask(self, name: str, source: Callable[[], Any]) -> Any:
        if name not in self._asked:
            self._asked[name] = source()
        return self._asked[name]

    def attribute_types(self) -> dict[str, str]:
        return dict(self._ask("attribute_types", self.sources.attribute_types))

    def event_types(self) -> list[str]:
        return list(self._ask("event_types", self.sources.event_types))

    def present_values(self, name: str) -> list[str] | None:
        """The values present in a field, fetched through ``sources.run`` (None until then)."""
        if name not in self._values:
            self._values[name] = []

            def arrived(values: Sequence[str] | None) -> None:
                self._values[name] = list(values or [])

            work = self.sources.present_values
            self.sources.run(f"designer.values.{name}", lambda: work(name), arrived, _ignore)
        return self._values[name]

    def segment_names(self) -> list[str]:
        named = list(self._ask("segments", self.sources.segment_names))
        settings = self.document.settings
        from_document = [settings.entry_segment or "", *settings.exclusion_segments]
        return sorted(dict.fromkeys(name for name in [*named, *from_document] if name))

    def attribute_keys(self) -> list[str]:
        return sorted(self._ask("attributes", self.sources.attribute_keys))

    def variables(self) -> list[str]:
        """The template variables, in picker order: contact fields, custom ones, the journey's."""
        custom = [f"attributes.{key}" for key in self.attribute_keys()]
        return [*CONTACT_FIELDS, *custom, *TEMPLATE_CONTEXT_VARIABLES]

    def date_fields(self) -> list[str]:
        """Fields a wait may wait for: contact date-times and the custom date-time attributes
        (every custom attribute whose type is not known)."""
        dates = [name for name, kind in CONTACT_FIELDS.items() if kind == "datetime"]
        types = self.attribute_types()
        keys = [key for key in self.attribute_keys() if types.get(key, "datetime") == "datetime"]
        return [*dates, *(f"attributes.{key}" for key in keys)]
