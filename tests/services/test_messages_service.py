"""Messages listed for the command line (all, oldest first) and the Messages page (a page at a
time, newest first, counted in SQL), filtered by journey, status and channel."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.services.journeys import JourneyNotFound
from app.services.messages import MessageFilter, journey_names, list_messages, message_page
from app.store.workspace import Workspace
from tests.engine.world import T0, World, chain, email, journey


@pytest.fixture
def world(workspace: Workspace) -> World:
    """Ana, Bo and Cy get the mail node's email then a text; Cy has no email consent (blocked);
    Ana opened her email."""
    world = World(workspace)
    world.segment("All", {"all": []})
    world.contact("ana")
    world.contact("bo")
    world.contact("cy", email_opt_in=False)
    text = {"id": "text", "kind": "send_sms", "config": {"text": "Hi {{ first_name }}"}}
    wait = {"id": "pause", "kind": "wait", "config": {"mode": "duration", "duration": "1d"}}
    world.publish(journey([email("mail"), wait, text], chain("mail", "pause", "text")))
    world.run(T0, T0)
    world.event("ana", "email_opened", T0 + timedelta(hours=1),
                message_id=world.message("ana", "mail").id)  # fmt: skip
    world.run(T0 + timedelta(days=1, hours=1), T0 + timedelta(days=1, hours=1))
    return world


def test_the_listing_is_every_message_oldest_first(world: World) -> None:
    rows = list_messages(world.workspace)
    assert [(r["node"], r["contact"], r["status"]) for r in rows] == [
        ("mail", "ana@example.com", "sent"),
        ("mail", "bo@example.com", "sent"),
        ("mail", "cy@example.com", "blocked"),
        ("text", "ana@example.com", "sent"),
        ("text", "bo@example.com", "sent"),
        ("text", "cy@example.com", "sent"),
    ]
    assert rows[2]["reason"] == "no_consent" and rows[0]["subject"] == "Hi Ana"
    assert rows[0]["journey"] == "Test journey"


def test_an_unknown_journey_is_named(world: World) -> None:
    with pytest.raises(JourneyNotFound, match="Nope"):
        list_messages(world.workspace, MessageFilter(journey="Nope"))
    assert message_page(world.workspace, MessageFilter(journey="Nope")).total == 0


def test_a_page_is_newest_first_with_the_count_of_all_matches(world: World) -> None:
    first = message_page(world.workspace, MessageFilter(), offset=0, limit=4)
    second = message_page(world.workspace, MessageFilter(), offset=4, limit=4)
    assert first.total == second.total == 6
    assert [r["node"] for r in first.rows] == ["text", "text", "text", "mail"]
    assert len(second.rows) == 2
    every = [r["id"] for r in first.rows + second.rows]
    assert sorted(every) == sorted(r["id"] for r in list_messages(world.workspace))


def test_filters_by_status_channel_and_journey(world: World) -> None:
    blocked = message_page(world.workspace, MessageFilter(status="blocked"))
    assert blocked.total == 1 and blocked.rows[0]["contact"] == "cy@example.com"
    texts = message_page(world.workspace, MessageFilter(channel="sms"))
    assert texts.total == 3 and {r["channel"] for r in texts.rows} == {"sms"}
    sent_email = message_page(world.workspace, MessageFilter(status="sent", channel="email"))
    assert sorted(r["contact"] for r in sent_email.rows) == ["ana@example.com", "bo@example.com"]
    named = message_page(world.workspace, MessageFilter(journey="Test journey", channel="email"))
    assert named.total == 3
    assert journey_names(world.workspace) == ["Test journey"]


def test_a_page_says_which_messages_were_opened(world: World) -> None:
    rows = message_page(world.workspace, MessageFilter(channel="email")).rows
    opened = {r["contact"]: r["opened"] for r in rows}
    assert opened == {"ana@example.com": True, "bo@example.com": False, "cy@example.com": False}
    assert not any(r["clicked"] for r in rows)


def test_a_bad_page_is_refused(world: World) -> None:
    with pytest.raises(ValueError, match="offset"):
        message_page(world.workspace, MessageFilter(), offset=-1)
