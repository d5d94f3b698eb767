"""Signed tracking links and the tracking server, with real HTTP requests."""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.engine.tracking.keys import TrackingKeys, rotate, tracking_keys
from app.engine.tracking.links import TrackingLinks
from app.engine.tracking.server import TrackingServer, TrackingService
from app.engine.tracking.tokens import BadToken, Claim, sign, verify
from app.store.schema import contacts, events
from app.store.workspace import Workspace
from tests.engine.world import T0, World, chain, email, journey

KEY = b"k" * 32


def test_tokens_verify_and_refuse_forgery_and_alteration() -> None:
    token = sign(Claim("m1-x", "click", "https://contoso.example/shoes"), "a1", KEY)
    assert verify(token, {"a1": KEY}) == Claim("m1-x", "click", "https://contoso.example/shoes")
    with pytest.raises(BadToken):
        verify(token, {"a1": b"another key" * 3})
    body, signature = token.split(".")
    altered = sign(Claim("m1-x", "click", "https://evil.example/"), "a1", b"guess" * 8)
    with pytest.raises(BadToken):
        verify(altered.split(".")[0] + "." + signature, {"a1": KEY})
    with pytest.raises(BadToken):
        verify(body[:-2] + "AA." + signature, {"a1": KEY})
    with pytest.raises(BadToken):
        verify("not-a-token", {"a1": KEY})


VERSION_1_TOKENS = {
    # Issued by the first token format (a JSON payload) with KEY under key id "a1"; links in
    # emails already sent carry tokens like these, so they must keep working.
    "eyJtIjoibTEyLTNmMmE5YzFiN2Q0ZSIsImEiOiJjIiwiayI6ImExIiwidSI6Imh0dHBzOi8vY29udG9zby5leGFt"
    "cGxlL3Nob2VzP2E9MSZiPTIifQ.EtJgAf91raBSTkqws8q7Euls_ApCE2bGGWCoRLspUcw": Claim(
        "m12-3f2a9c1b7d4e", "click", "https://contoso.example/shoes?a=1&b=2"
    ),
    "eyJtIjoibTEyLTNmMmE5YzFiN2Q0ZSIsImEiOiJ1IiwiayI6ImExIn0"
    ".6MEI7QpbjyHDewmVrh6MVmEnmqPM227Ldr16GQ4HvhU": Claim("m12-3f2a9c1b7d4e", "unsubscribe"),
    "eyJtIjoibTEyLTNmMmE5YzFiN2Q0ZSIsImEiOiJvIiwiayI6ImExIn0"
    ".RGdisEqf06SwOo-FG8AA7BNKBEhajApv4g5ZXwVrlWc": Claim("m12-3f2a9c1b7d4e", "open"),
}


@pytest.mark.parametrize("token", list(VERSION_1_TOKENS))
def test_tokens_of_the_first_format_still_verify_and_refuse_alteration(token: str) -> None:
    assert verify(token, {"a1": KEY}) == VERSION_1_TOKENS[token]
    with pytest.raises(BadToken):
        verify(token, {"a1": b"another key" * 3})
    body, signature = token.split(".")
    with pytest.raises(BadToken):
        verify(body.replace("m", "n", 1) + "." + signature, {"a1": KEY})


def test_new_tokens_are_shorter_and_carry_any_destination() -> None:
    destination = "https://contoso.example/a b?x=\x1fy&z=\u00e9"
    token = sign(Claim("m12-3f2a9c1b7d4e", "click", destination), "a1", KEY)
    assert verify(token, {"a1": KEY}) == Claim("m12-3f2a9c1b7d4e", "click", destination)
    old = next(iter(VERSION_1_TOKENS))
    assert len(sign(VERSION_1_TOKENS[old], "a1", KEY)) < len(old)
    with pytest.raises(ValueError, match="message id"):
        sign(Claim("m1\x1fu", "open"), "a1", KEY)


def test_rotated_keys_stay_valid_for_30_days(workspace: Workspace) -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with workspace.writer() as connection:
        old = tracking_keys(connection, now)
        token = sign(Claim("m1", "open"), old.current_id, old.current)
        rotate(connection, now)
        assert verify(token, tracking_keys(connection, now + timedelta(days=29)).valid)
        with pytest.raises(BadToken):
            verify(token, tracking_keys(connection, now + timedelta(days=31)).valid)


@pytest.fixture
def tracked(workspace: Workspace) -> Iterator[tuple[World, TrackingLinks, str, str]]:
    world = World(workspace)
    world.segment("All", {"all": []})
    world.contact("ana")
    world.publish(journey([email("mail")], chain("mail")))
    world.engine.tick(T0)
    message_id = world.message("ana", "mail").id
    server = TrackingServer(TrackingService(workspace), port=0)
    server.start()
    with workspace.writer() as connection:
        keys = tracking_keys(connection, datetime.now(UTC))
    try:
        yield world, TrackingLinks(server.url, keys), message_id, server.url
    finally:
        server.stop()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def fetch(url: str, data: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, data=data), timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def count_events(world: World, kind: str) -> int:
    with world.workspace.reader() as connection:
        return int(
            connection.execute(
                select(func.count()).select_from(events).where(events.c.type == kind)
            ).scalar_one()
        )


def test_open_pixel_and_click_redirect_record_events(
    tracked: tuple[World, TrackingLinks, str, str],
) -> None:
    world, links, message_id, _base = tracked
    body = links.track_html(
        message_id, "<p>New <a href='https://contoso.example/shoes?a=1&amp;b=2'>shoes</a></p>"
    )
    pixel = body.split('<img src="')[1].split('"')[0]
    click = body.split("href='")[1].split("'")[0].replace("&amp;", "&")
    status, headers, content = fetch(pixel)
    assert (status, headers["Content-Type"], content[:3]) == (200, "image/gif", b"GIF")
    status, headers, _ = fetch(click)
    assert (status, headers["Location"]) == (302, "https://contoso.example/shoes?a=1&b=2")
    assert count_events(world, "email_opened") == 1
    assert count_events(world, "email_clicked") == 1


def test_forged_and_altered_tokens_get_400_and_record_nothing(
    tracked: tuple[World, TrackingLinks, str, str],
) -> None:
    world, links, message_id, base = tracked
    forged = sign(Claim(message_id, "click", "https://evil.example/"), "nope", KEY)
    assert fetch(f"{base}/c/{forged}")[0] == 400
    genuine = links.track_html(message_id, "<a href='https://contoso.example/'>x</a>")
    token = genuine.split("/c/")[1].split("'")[0]
    payload, signature = token.split(".")
    other = links.track_html(message_id, "<a href='https://evil.example/'>x</a>")
    swapped = other.split("/c/")[1].split("'")[0].split(".")[0] + "." + signature
    assert fetch(f"{base}/c/{swapped}")[0] == 400
    assert fetch(f"{base}/o/{payload}.{signature}.gif")[0] == 400  # a click token as a pixel
    assert count_events(world, "email_clicked") == 0
    assert count_events(world, "email_opened") == 0


def test_unsubscribe_needs_a_post_and_clears_consent(
    tracked: tuple[World, TrackingLinks, str, str],
) -> None:
    world, links, message_id, _base = tracked
    url = links(message_id)["unsubscribe_url"]
    status, _, page = fetch(url)
    assert status == 200 and b'<form method="post">' in page
    assert count_events(world, "unsubscribed") == 0
    status, _, page = fetch(url, data=b"List-Unsubscribe=One-Click")
    assert status == 200 and b"unsubscribed" in page
    assert count_events(world, "unsubscribed") == 1
    with world.workspace.reader() as connection:
        assert connection.execute(select(contacts.c.email_opt_in)).scalar_one() is False


def test_links_leave_the_messages_own_links_alone(
    tracked: tuple[World, TrackingLinks, str, str],
) -> None:
    _world, links, message_id, _base = tracked
    own = links(message_id)["unsubscribe_url"]
    body = links.track_html(message_id, f"<a href='{own}'>Unsubscribe</a></body>")
    assert f"href='{own}'" in body
    assert body.endswith("</body>") and '<img src="' in body


@pytest.mark.parametrize("key", [b"", b"k" * 32, b"k" * 64, b"long key " * 20])
def test_signatures_are_hmac_sha256_of_the_payload_for_every_key_length(key: bytes) -> None:
    token = sign(Claim("m1-x", "view"), "a1", key)
    body, signature = token.split(".")
    expected = hmac.new(key, body.encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)) == expected
    assert verify(token, {"a1": key}) == Claim("m1-x", "view")


def rewritten_on_its_own(links: TrackingLinks, message_id: str, body: str) -> str:
    """The first implementation of link tracking, kept as the reference: every href to a web
    page other than the tracking server's becomes a signed click link, the pixel goes before
    the last </body> (or at the end)."""
    if not body:
        return body

    def rewrite(match: re.Match[str]) -> str:
        target = html.unescape(match[3])
        if target.startswith(links.base_url + "/"):
            return match[0]
        token = sign(Claim(message_id, "click", target), links.keys.current_id, links.keys.current)
        return f"{match[1]}{match[2]}{html.escape(f'{links.base_url}/c/{token}')}{match[2]}"

    rewritten = re.sub(
        r"""(href\s*=\s*)(["'])(https?://[^"'\s>]+)\2""", rewrite, body, flags=re.IGNORECASE
    )
    token = sign(Claim(message_id, "open"), links.keys.current_id, links.keys.current)
    pixel = (
        f'<img src="{links.base_url}/o/{token}.gif" width="1" height="1" alt="" '
        'style="display:block;border:0">'
    )
    closing = rewritten.lower().rfind("</body>")
    if closing == -1:
        return rewritten + pixel
    return rewritten[:closing] + pixel + rewritten[closing:]


BODY_PARTS = [
    "<p>Hi</p>",
    "<a href='https://shop.example/new?a=1&amp;b=2'>new</a>",
    '<a HREF = "http://shop.example/x">x</a>',
    "<a href='{own}'>unsubscribe</a>",
    '<a href="{view}">view online</a>',
    '<a href="https://shop.example/?next={own}">inside</a>',
    "{own}",
    "</body>",
    "</BODY></html>",
    "<a href='https://tracking.example/other'>ours</a>",
    "\0",
    "href='https://a.example/</body'",
]


@given(
    st.lists(
        st.tuples(st.lists(st.sampled_from(BODY_PARTS), max_size=8), st.integers(1, 4)),
        min_size=1,
        max_size=6,
    )
)
def test_planned_tracking_equals_rewriting_each_body_on_its_own(
    messages: list[tuple[list[str], int]],
) -> None:
    keys = TrackingKeys("a1", KEY, {"a1": KEY})
    links = TrackingLinks("https://tracking.example", keys)
    for parts, number in messages:
        message_id = f"m{number}-x"
        own = links(message_id)
        body = "".join(parts).replace("{own}", html.escape(own["unsubscribe_url"]))
        body = body.replace("{view}", html.escape(own["view_url"]))
        assert links.track_html(message_id, body) == rewritten_on_its_own(links, message_id, body)
