"""The dispatch render cache gives exactly what rendering each message on its own gives."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.templates import TemplateProblem, render
from app.engine.rendering import RenderCache

TEMPLATES = [
    ("Hi {{ first_name | default('there', true) }}", False),
    ("<p>{{ first_name }} &amp; co</p><a href='{{ unsubscribe_url }}'>Unsubscribe</a>", True),
    ("{{ first_name }}: {{ unsubscribe_url }} / {{ view_url }}", False),
    ("Tier {{ attributes.tier }} in {{ journey.name }}", False),
    ("{{ unsubscribe_url | upper }}", False),  # transforms the link: rendered per message
    ("{% if unsubscribe_url %}x{% endif %}{{ attributes }}", False),  # a whole mapping
]

contacts = st.fixed_dictionaries(
    {
        "first_name": st.sampled_from([None, "", "Ana", "<b>Bo</b>", "Zoë"]),
        "attributes": st.fixed_dictionaries({}, optional={"tier": st.sampled_from(["A", 1])}),
    }
)
links = st.sampled_from(["https://t/u/a?x=1&y=2", "https://t/u/b", "<evil>"])


@given(st.lists(st.tuples(contacts, links), min_size=1, max_size=12))
def test_cached_rendering_equals_rendering_each_message(
    messages: list[tuple[dict[str, Any], str]],
) -> None:
    cache = RenderCache()
    for contact, link in messages:
        context = {"journey": {"name": "Re"}, "unsubscribe_url": link, "view_url": link + "/v"}
        for source, html in TEMPLATES:
            assert cache.render(source, contact, context, html=html) == render(
                source, contact, context, html=html
            )


def test_template_errors_still_raise() -> None:
    with pytest.raises(TemplateProblem):
        RenderCache().render("{{ 'a' * 3 }}", {}, {"unsubscribe_url": "u"})
