"""What dispatch's shortcuts must not change: rendered text, links, batches, exactly-once."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, literal, select, type_coerce
from sqlalchemy.types import NullType

from app.domain.journey import Node
from app.domain.templates import TemplateProblem, render, template_variables
from app.engine import dispatch as dispatching
from app.engine.nodes import CONTACT_COLUMNS, contact_data
from app.engine.rendering import RenderCache
from app.engine.tracking.keys import TrackingKeys, tracking_keys
from app.engine.tracking.links import TrackingLinks
from app.engine.tracking.tokens import Action, Claim, Signer, verify
from app.store.schema import contacts, events, messages
from app.store.settings import TRACKING, TRACKING_URL, get_setting, set_setting
from app.store.workspace import Workspace
from tests.engine.test_tracking import BODY_PARTS, KEY, rewritten_on_its_own
from tests.engine.world import T0, World, chain, email, journey

# Templates that use a link in ways a render with a stand-in for the link would get wrong.
TEMPLATES = [
    ("{{ unsubscribe_url }} {{ unsubscribe_url | length }}", False),
    ("{{ view_url }}{% if unsubscribe_url | length > 30 %} long{% endif %}", False),
    ("{% filter upper %}{{ unsubscribe_url }}{% endfilter %}{{ view_url }}", False),
    ("{% set u %}{{ unsubscribe_url }}{% endset %}{{ u | length }}{{ unsubscribe_url }}", False),
    ("{% macro m() %}{{ unsubscribe_url }}{% endmacro %}{{ m() | lower }}", False),
    ("{% autoescape false %}{{ unsubscribe_url }}{% endautoescape %}{{ view_url }}", True),
    ("<a href='{{ unsubscribe_url }}'>{{ first_name }}</a> {{ view_url }}", True),
    ("{% for x in [1, 2] %}{{ unsubscribe_url }}{% endfor %}", True),
    ("{{ unsubscribe_url[:12] }}|{{ unsubscribe_url }}", False),
    ("{{ first_name }}", True),
    ("{{ attributes.tier }} {{ unsubscribe_url }}", False),  # 1, 1.0 and True are equal keys
    ("{{ '{' }}0} {{ '{{' }}unsubscribe_url}} {{ view_url }}", False),  # braces in the text
    ("", False),
]
LINKS = ["https://t/u/a?x=1&y=2", "https://t/u/b", "<evil>", 'https://t/u/"q\'uote"', "x" * 40]


@given(
    st.lists(
        st.tuples(
            st.sampled_from([None, "", "Ana", "<b>Bo</b>", "Zoë"]),
            st.sampled_from([1, 1.0, True, "1", None]),
            st.sampled_from(LINKS),
        ),
        min_size=1,
        max_size=10,
    )
)
def test_rendering_with_the_links_filled_in_afterwards_equals_rendering_each_message(
    messages: list[tuple[str | None, object, str]],
) -> None:
    cache = RenderCache()
    for first_name, tier, link in messages:
        contact = {"first_name": first_name, "attributes": {"tier": tier}}
        context = {"journey": {"name": "Re"}, "unsubscribe_url": link, "view_url": link + "/v"}
        together = cache.render_all(tuple(TEMPLATES), contact, context)
        for (source, as_html), text in zip(TEMPLATES, together, strict=True):
            expected = render(source, contact, context, html=as_html)
            assert text == expected
            assert cache.render(source, contact, context, html=as_html) == expected


def test_the_first_failing_template_is_the_one_reported_every_time() -> None:
    cache = RenderCache()
    sources = (("ok {{ first_name }}", False), ("{{ 1 / 0 }}", False), ("{{ 'a' * 3 }}", False))
    for _ in range(2):
        with pytest.raises(TemplateProblem, match="divides by zero"):
            cache.render_all(sources, {"first_name": "Ana"}, {"unsubscribe_url": "u"})


def test_a_contact_read_as_the_database_has_it_reads_as_contact_data_gives(
    workspace: Workspace,
) -> None:
    world = World(workspace)
    world.contact("ana", attributes={"tier": "gold", "n": 2}, sms_opt_in=False, timezone="UTC")
    world.contact("bo", attributes={}, phone=None)
    prefix = [literal(place) for place in range(len(dispatching._ROW))]
    raw = [type_coerce(column, NullType()) for column in dispatching._CONTACT]
    with workspace.reader() as connection:
        rows = connection.execute(select(*prefix, *raw).order_by(contacts.c.id)).all()
        expected = connection.execute(
            select(contacts.c.id, contacts.c.attributes, *CONTACT_COLUMNS).order_by(contacts.c.id)
        ).mappings()
        converters = dispatching._converters(connection.dialect)
        wanted = [contact_data(row) for row in expected]
    read = [dispatching._Contact(row, converters) for row in rows]
    assert [dict(contact) for contact in read] == wanted
    assert [list(contact) for contact in read] == [list(contact) for contact in wanted]
    assert read[0]["created_at"].tzinfo is not None and read[0]["attributes"]["n"] == 2
    assert read[1].get("phone", "none") is None and read[1].get("nickname", "none") == "none"


def test_signed_tokens_are_the_tokens_of_their_claims() -> None:
    key = b"k" * 32
    signer = Signer("a1", key)
    for claim in [Claim("m1-x", "open"), Claim("m1-x", "click", "https://a.example/?b=1")]:
        token = signer.token(claim.action, claim.message_id, claim.url)
        assert token == signer.sign(claim)
        assert verify(token, {"a1": key}) == claim


def test_links_are_escaped_in_html_when_the_base_url_needs_it() -> None:
    keys = TrackingKeys("a1", b"k" * 32, {"a1": b"k" * 32})
    links = TrackingLinks("https://t.example/?a=1&b=2", keys)
    own = links("m1-x")
    body = (
        f"<a href='{html.escape(own['unsubscribe_url'])}'>u</a><a href='https://s.example/'>s</a>"
    )
    tracked = links.track_html("m1-x", body)
    assert html.escape(own["unsubscribe_url"]) in tracked
    assert "https://t.example/?a=1&amp;b=2/c/" in tracked
    assert "https://s.example/" not in tracked


def test_many_batches_send_each_message_once_with_its_own_links(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dispatching, "PAGES", 2)
    people = [f"p{i:02d}" for i in range(23)]
    for person in people:
        world.contact(person)
    world.contact("broken", first_name="X" * 20)
    subject = "{{ 1 / 0 if first_name | length > 10 else first_name }}"
    world.publish(journey([email("mail", subject=subject)], chain("mail")))
    engine_dispatch = dispatching.dispatch

    def in_small_batches(*args: Any, **kwargs: Any) -> dispatching.DispatchResult:
        return engine_dispatch(*args, **{**kwargs, "batch_size": 3})

    monkeypatch.setattr("app.engine.tick.dispatch", in_small_batches)
    world.engine.tick(T0)
    sent = world.transport.sent
    assert sorted(m.to for m in sent) == sorted(f"{p}@example.com" for p in people)
    assert len({m.id for m in sent}) == len(people)
    assert len({m.headers["List-Unsubscribe"] for m in sent}) == len(people)
    assert all(m.subject == m.to.split("@")[0].title() for m in sent)
    statuses = world.messages()
    assert statuses[("broken", "mail")][0] == "failed"
    assert {statuses[(p, "mail")] for p in people} == {("sent", None)}
    with world.workspace.reader() as connection:
        delivered = connection.execute(
            select(events.c.message_id, func.count())
            .where(events.c.type == "email_delivered")
            .group_by(events.c.message_id)
        ).all()
        subjects = dict(connection.execute(select(messages.c.id, messages.c.subject)).all())
    assert sorted(message_id for message_id, _ in delivered) == sorted(m.id for m in sent)
    assert {count for _, count in delivered} == {1}
    assert all(subjects[m.id] == m.subject for m in sent)
    world.engine.tick(T0 + timedelta(hours=1))
    assert len(world.transport.sent) == len(people)


@pytest.mark.parametrize("enabled", [True, False])
def test_dispatch_leaves_cycle_collection_as_it_found_it(world: World, enabled: bool) -> None:
    """Automatic collection waits during a run (and cycles made meanwhile still go, once per
    batch); the desktop app, which turns it off for good, keeps it off."""
    import gc

    world.contact("ana")
    world.contact("bo", first_name="X" * 20)  # a template error: a traceback, with cycles
    subject = "{{ 1 / 0 if first_name | length > 10 else first_name }}"
    world.publish(journey([email("mail", subject=subject)], chain("mail")))
    seen: list[bool] = []
    original = world.transport.send

    def send(message: Any) -> None:
        seen.append(gc.isenabled())
        original(message)

    world.transport.send = send  # type: ignore[method-assign]
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        world.engine.tick(T0)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
    assert seen == [False]
    assert world.messages()[("bo", "mail")][0] == "failed"


MORE_PARTS = [*BODY_PARTS, "<p>{0} {{x}} }{ {2}</p>"]


def _as_parts(pieces: list[str]) -> tuple[str, ...]:
    """A body made of ``pieces`` as the render cache gives it: {own} and {view} are holes."""
    parts = [""]
    for piece in re.split(r"(\{own\}|\{view\})", "".join(pieces)):
        if piece in ("{own}", "{view}"):
            parts += ["unsubscribe_url" if piece == "{own}" else "view_url", ""]
        else:
            parts[-1] += piece
    return tuple(parts)


@given(
    st.lists(
        st.tuples(st.lists(st.sampled_from(MORE_PARTS), max_size=8), st.integers(1, 4)),
        min_size=1,
        max_size=6,
    ),
    st.booleans(),
)
def test_tracking_a_body_given_in_parts_equals_rewriting_the_body_on_its_own(
    messages: list[tuple[list[str], int]], track: bool
) -> None:
    keys = TrackingKeys("a1", KEY, {"a1": KEY})
    links = TrackingLinks("https://tracking.example", keys, track=track)
    for pieces, number in messages:
        message_id = f"m{number}-x"
        own = links(message_id)
        parts = _as_parts(pieces)
        body = "".join(pieces).replace("{own}", own["unsubscribe_url"])
        body = body.replace("{view}", own["view_url"])
        tracked = links.track_parts(message_id, parts)
        expected = rewritten_on_its_own(links, message_id, body) if track else body
        assert tracked is None or tracked == expected
        if "\0" not in body and "?next={own}" not in "".join(pieces):
            assert tracked is not None
        assert links.track_html(message_id, body) == expected


def test_a_template_error_never_fails_a_message_another_engine_took_meanwhile(
    world: World,
) -> None:
    world.contact("ana")
    world.publish(journey([email("mail")], chain("mail")))
    world.engine.tick(T0)
    sent = world.message("ana", "mail")
    assert sent.status == "sent"
    with world.workspace.writer() as connection:
        why = [{"mid": sent.id, "why": "template_error: late"}]
        dispatching._fail(connection, why, T0, unless_taken=T0)
    assert world.messages()[("ana", "mail")] == ("sent", None)


TRACKED = "<a href='https://shop.example/'>Shop</a> {{ view_url }}"
PUSH = {"title": "Hi", "body": "x", "url": "{{ unsubscribe_url }}"}
SIGNED_LINKS = [
    # (node, the links of one message signed: a link none of its templates reads is not)
    (email("mail"), {"unsubscribe"}),
    (email("mail", body_text="Hi {{ first_name }}: {{ view_url }}"), {"unsubscribe", "view"}),
    (email("mail", subject="{% set view_url = 'x' %}{{ view_url }}"), {"unsubscribe"}),
    (  # the header's link, and tracking on
        email("mail", body_html=TRACKED, purpose="transactional"),
        {"unsubscribe", "view", "click", "open"},
    ),
    ({"id": "mail", "kind": "send_sms", "config": {"text": "Hi {{ first_name }}"}}, set()),
    ({"id": "mail", "kind": "send_push", "config": PUSH}, {"unsubscribe"}),
]


@pytest.mark.parametrize(("node", "signed"), SIGNED_LINKS)
def test_a_message_is_given_the_links_its_templates_read_and_only_those_are_signed(
    world: World, monkeypatch: pytest.MonkeyPatch, node: dict[str, Any], signed: set[str]
) -> None:
    track = "click" in signed
    with world.workspace.writer() as connection:
        set_setting(connection, TRACKING, track)
    made: list[tuple[str, str]] = []
    token = Signer.token

    def counted(signer: Signer, action: Action, message_id: str, url: str | None = None) -> str:
        made.append((message_id, action))
        return token(signer, action, message_id, url)

    monkeypatch.setattr(Signer, "token", counted)
    people = ("ana", "bo")
    for person in people:
        world.contact(person)
    world.publish(journey([node], chain("mail")))
    world.engine.tick(T0)
    monkeypatch.undo()
    sent = world.transport.sent
    assert len(sent) == 2
    assert sorted(made) == sorted((m.id, action) for m in sent for action in signed)
    with world.workspace.writer() as connection:
        links = TrackingLinks(get_setting(connection, TRACKING_URL), tracking_keys(connection, T0))
    config = node["config"]
    person = {world.message(name, "mail").id: name for name in people}
    for message in sent:
        contact = {"first_name": person[message.id].title()}
        context = {"journey": {"name": "Test journey"}, **links(message.id)}
        if node["kind"] == "send_email":
            body_html = render(config["body_html"], contact, context, html=True)
            assert message.subject == render(config["subject"], contact, context).strip()
            assert message.body_text == render(config.get("body_text", ""), contact, context)
            assert message.body_html == (
                rewritten_on_its_own(links, message.id, body_html) if track else body_html
            )
            assert message.headers == {"List-Unsubscribe": f"<{context['unsubscribe_url']}>"}
            verified = verify(context["unsubscribe_url"].rsplit("/", 1)[1], links.keys.valid)
            assert verified == Claim(message.id, "unsubscribe")
        elif node["kind"] == "send_sms":
            assert message.body_text == render(config["text"], contact, context)
        else:
            assert message.url == render(config["url"], contact, context)


@pytest.mark.parametrize(("source", "html"), TEMPLATES)
def test_the_links_a_template_reads_are_all_it_needs_to_render_as_with_every_link(
    source: str, html: bool
) -> None:
    node = Node.model_validate({"id": "n", "kind": "send_sms", "config": {"text": source}})
    read = RenderCache().links_read(node, lambda config: ((config.text, html),))
    contact = {"first_name": "Ana", "attributes": {"tier": 1}}
    every = {
        "journey": {"name": "Re"},
        "unsubscribe_url": "https://t/u/a",
        "view_url": "https://t/v/b",
    }
    only = {name: link for name, link in every.items() if name == "journey" or name in read}
    assert render(source, contact, only, html=html) == render(source, contact, every, html=html)
    assert set(read) == template_variables(source) & {"unsubscribe_url", "view_url"}


def test_a_template_that_cannot_be_read_reads_no_links_and_still_fails_when_rendered() -> None:
    cache = RenderCache()
    node = Node.model_validate({"id": "n", "kind": "send_sms", "config": {"text": "{{ view_url"}})
    assert cache.links_read(node, lambda config: ((config.text, False),)) == ()
    with pytest.raises(TemplateProblem, match="can't be read"):
        cache.render("{{ view_url", {}, {})
