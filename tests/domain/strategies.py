"""Hypothesis strategies for journey documents: valid ones, and arbitrary graphs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from app.domain.conditions import Op
from app.domain.durations import format_duration
from app.domain.journey import JourneyDocument
from app.domain.registry import REGISTRY

texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)
names = texts.filter(lambda value: bool(value.strip()))
ids = st.text("abcdefgh-0123456789", min_size=1, max_size=6)
durations = st.integers(0, 400 * 86_400).map(lambda s: format_duration(timedelta(seconds=s)))
moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
).map(lambda moment: moment.replace(microsecond=0).isoformat().replace("+00:00", "Z"))
clock = st.tuples(st.integers(0, 23), st.integers(0, 59)).map(lambda hm: f"{hm[0]:02}:{hm[1]:02}")
scalars = st.one_of(texts, st.integers(-1000, 1000), st.booleans())

FIELDS = ["country", "email", "first_name", "attributes.tier", "created_at"]


def attribute_tests(fields: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    field = st.sampled_from(fields)
    return st.one_of(
        st.builds(lambda f, v: {"field": f, "op": "eq", "value": v}, field, scalars),
        st.builds(
            lambda f, v: {"field": f, "op": "in", "value": v},
            field,
            st.lists(scalars, min_size=1, max_size=3),
        ),
        st.builds(lambda f: {"field": f, "op": str(Op.IS_EMPTY)}, field),
        st.builds(lambda f, v: {"field": f, "op": "within_last", "value": v}, field, durations),
        st.builds(lambda f, v: {"field": f, "op": "after", "value": v}, field, moments),
        st.builds(
            lambda f, a, b: {"field": f, "op": "between", "value": [a, a + b]},
            field,
            st.integers(-100, 100),
            st.integers(0, 100),
        ),
    )


counts = st.one_of(
    st.builds(lambda n: {"at_least": n}, st.integers(0, 5)),
    st.builds(lambda n: {"at_most": n}, st.integers(0, 5)),
    st.builds(lambda n: {"exactly": n}, st.integers(0, 5)),
    st.just({"none": True}),
)

behaviors = st.builds(
    lambda event, count, within, where: {
        "behavior": {"event": event, "count": count, "within": within, "where": where}
    },
    st.sampled_from(["purchase", "email_opened", "web_visit"]),
    counts,
    st.none() | durations,
    st.lists(attribute_tests(["amount", "sku"]), max_size=2),
)

leaves = st.one_of(
    attribute_tests(FIELDS).map(lambda test: {"attribute": test}),
    behaviors,
    names.map(lambda name: {"segment": name}),
)

conditions = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=3).map(lambda items: {"all": items}),
        st.lists(children, max_size=3).map(lambda items: {"any": items}),
        children.map(lambda item: {"not": item}),
    ),
    max_leaves=6,
)

EMAIL = {
    "subject": "Hi {{ first_name | default('there', true) }}",
    "body_html": "<a href='{{ unsubscribe_url }}'>Unsubscribe</a>",
    "from_name": "Contoso",
    "from_email": "news@contoso.example",
}


def configs(kind: str, node_ids: list[str]) -> st.SearchStrategy[dict[str, Any] | None]:
    """A complete, well-typed config for a node of ``kind``."""
    target = st.sampled_from(node_ids) if node_ids else ids
    variant = st.builds(lambda n, w: {"name": n, "weight": w}, names, st.integers(0, 100))
    match kind:
        case "send_email":
            return st.builds(lambda s: {**EMAIL, "subject": s}, texts)
        case "send_sms":
            return st.builds(lambda t: {"text": t}, texts)
        case "send_push":
            return st.builds(lambda t, b: {"title": t, "body": b, "url": None}, texts, texts)
        case "create_task":
            return st.builds(
                lambda t, d, p: {"title": t, "due_in": d, "priority": p},
                texts,
                durations,
                st.sampled_from(["low", "normal", "high"]),
            )
        case "wait":
            return st.one_of(
                st.builds(lambda d: {"mode": "duration", "duration": d}, durations),
                st.builds(lambda m: {"mode": "until", "at": m}, moments),
                st.builds(
                    lambda t, days: {"mode": "time_of_day", "time": t, "days": days},
                    clock,
                    st.lists(st.sampled_from(["mon", "tue", "sat"]), min_size=1, unique=True),
                ),
                st.builds(
                    lambda f, o: {"mode": "until_attribute", "field": f, "offset": "-" + o},
                    st.sampled_from(["attributes.renewal", "created_at"]),
                    durations,
                ),
            )
        case "branch":
            interaction = st.builds(
                lambda n, i: {"interaction": {"node": n, "interaction": i}},
                target,
                st.sampled_from(["delivered", "opened", "clicked", "bounced"]),
            )
            return st.builds(
                lambda c, w: {"condition": c, "wait_up_to": w},
                st.one_of(interaction, conditions),
                durations,
            )
        case "split":
            case = st.builds(lambda n, c: {"name": n, "condition": c}, names, conditions)
            return st.builds(lambda cases: {"cases": cases}, st.lists(case, max_size=3))
        case "ab_test":
            return st.builds(
                lambda v, m, d: {"variants": v, "metric": m, "decide_after": d},
                st.lists(variant, max_size=6),
                st.sampled_from(["opened", "clicked", "goal"]),
                st.none() | durations,
            )
        case _:
            return st.none()


@st.composite
def journeys(draw: st.DrawFn, *, arbitrary_edges: bool = False) -> JourneyDocument:
    """A journey of random nodes and edges: well-typed, but not necessarily valid."""
    kinds = draw(st.lists(st.sampled_from(sorted(REGISTRY)), min_size=0, max_size=8))
    node_ids = draw(st.lists(ids, min_size=len(kinds), max_size=len(kinds), unique=True))
    nodes = []
    for node_id, kind in zip(node_ids, kinds, strict=True):
        node: dict[str, Any] = {
            "id": node_id,
            "kind": kind,
            "title": draw(texts),
            "position": [draw(st.integers(-5000, 5000)), draw(st.floats(-5000, 5000))],
        }
        if REGISTRY[kind].has_config and draw(st.booleans() | st.just(True)):
            node["config"] = draw(configs(kind, node_ids))
        nodes.append(node)
    endpoints = st.sampled_from(node_ids) if node_ids and not arbitrary_edges else ids
    if arbitrary_edges and node_ids:
        endpoints = st.sampled_from(node_ids) | ids
    ports = st.sampled_from([None, "next", "yes", "no", "otherwise", "A", "B", "bogus"])
    edges = draw(
        st.lists(
            st.builds(lambda s, p, t: {"from": s, "port": p, "to": t}, endpoints, ports, endpoints),
            max_size=12,
        )
    )
    settings = draw(
        st.fixed_dictionaries(
            {
                "entry_segment": st.none() | names,
                "exclusion_segments": st.lists(names, max_size=2),
                "re_entry": st.sampled_from(["never", "after_exit", "after_rejoin"]),
                "re_entry_after": st.none() | durations,
                "exit_events": st.lists(st.builds(lambda e: {"event": e}, names), max_size=2),
                "goal": st.none()
                | st.builds(
                    lambda e, t: {"event": e, "target_percent": t}, names, st.integers(0, 100)
                ),
                "start_at": st.none() | moments,
                "end_at": st.none() | moments,
                "timezone": st.sampled_from(["UTC", "Europe/Berlin", "America/New_York"]),
                "quiet_hours": st.none()
                | st.builds(lambda a, b: {"start": a, "end": b}, clock, clock),
                "frequency_cap": st.none()
                | st.builds(
                    lambda n, p: {"max_messages": n, "per": p}, st.integers(1, 9), durations
                ),
            }
        )
    )
    return JourneyDocument.model_validate(
        {"id": draw(ids), "name": draw(names), "settings": settings, "nodes": nodes, "edges": edges}
    )
