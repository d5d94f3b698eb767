"""Designer target (DESIGN §8): validating a 500-node journey takes under 50 ms.

Builds a journey of repeated blocks (email → wait → branch on "opened" → SMS or push → next
block), so every branch asks about an email upstream on every path: the hardest case for the
"upstream on every path" rule. Prints the time to load the file, the first validation (cold
template caches) and the median of warm runs, and compares the rule's dominator-tree check
with a naive baseline that enumerates every path (on a smaller journey, since paths double
per block).

    .venv/bin/python bench/validate.py [--nodes 500]
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import networkx as nx

from app.domain.journey import JourneyDocument
from app.domain.loading import load_journey
from app.domain.validation import validate_journey

UNSUBSCRIBE = "<p>Hi {{ first_name | default('there', true) }}</p>"
UNSUBSCRIBE += "<a href='{{ unsubscribe_url }}'>Unsubscribe</a>"


def block_journey(blocks: int) -> JourneyDocument:
    nodes: list[dict[str, Any]] = [{"id": "start", "kind": "start", "position": [0, 0]}]
    edges: list[dict[str, Any]] = []
    previous = "start"
    for index in range(blocks):
        x = 200 + index * 1000
        email, wait, branch, sms, push = (f"{kind}{index}" for kind in "ewbsp")
        nodes += [
            {
                "id": email,
                "kind": "send_email",
                "title": f"Email {index}",
                "position": [x, 0],
                "config": {
                    "subject": f"Update {index} for {{{{ first_name }}}}",
                    "body_html": UNSUBSCRIBE + f"<p>Block {index}</p>",
                    "from_name": "Contoso",
                    "from_email": "news@contoso.example",
                },
            },
            {
                "id": wait,
                "kind": "wait",
                "position": [x + 200, 0],
                "config": {"mode": "duration", "duration": "2d"},
            },
            {
                "id": branch,
                "kind": "branch",
                "position": [x + 400, 0],
                "config": {"condition": {"interaction": {"node": email, "interaction": "opened"}}},
            },
            {
                "id": sms,
                "kind": "send_sms",
                "position": [x + 600, -100],
                "config": {"text": f"Reminder {index}: reply STOP to opt out."},
            },
            {
                "id": push,
                "kind": "send_push",
                "position": [x + 600, 100],
                "config": {"title": "News", "body": f"Block {index}"},
            },
        ]
        edges += [
            {"from": previous, "to": email},
            {"from": email, "to": wait},
            {"from": wait, "to": branch},
            {"from": branch, "port": "yes", "to": sms},
            {"from": branch, "port": "no", "to": push},
        ]
        if index + 1 < blocks:
            edges.append({"from": push, "to": f"e{index + 1}"})
        previous = sms
    nodes.append({"id": "exit", "kind": "exit", "position": [200 + blocks * 1000, 0]})
    edges += [{"from": previous, "to": "exit"}, {"from": f"p{blocks - 1}", "to": "exit"}]
    return JourneyDocument.model_validate(
        {"name": "Bench", "settings": {"entry_segment": "All"}, "nodes": nodes, "edges": edges}
    )


def naive_upstream_every_path(document: JourneyDocument) -> int:
    """The baseline: for each interaction branch, walk every start→branch path."""
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_edges_from((edge.source, edge.target) for edge in document.edges)
    failures = 0
    for node in document.nodes:
        if node.kind != "branch" or not node.config:
            continue
        sender = node.config["condition"]["interaction"]["node"]
        if any(sender not in path for path in nx.all_simple_paths(graph, "start", node.id)):
            failures += 1
    return failures


def timed(function: Any, *args: Any, **kwargs: Any) -> tuple[float, Any]:
    began = time.perf_counter()
    result = function(*args, **kwargs)
    return (time.perf_counter() - began) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=500)
    args = parser.parse_args()
    blocks = max(1, (args.nodes - 2) // 5)
    text = block_journey(blocks).to_json()
    load_ms, document = timed(load_journey, text)
    segments = {"All"}
    cold_ms, findings = timed(validate_journey, document, known_segments=segments)
    warm = [timed(validate_journey, document, known_segments=segments)[0] for _ in range(20)]
    print(f"journey: {len(document.nodes)} nodes, {len(document.edges)} edges")
    print(f"load (parse + check):        {load_ms:8.1f} ms")
    print(f"validate, first run:         {cold_ms:8.1f} ms  ({len(findings)} findings)")
    print(f"validate, median of 20 runs: {statistics.median(warm):8.1f} ms  (target < 50 ms)")

    small = block_journey(14)
    fast_ms, _ = timed(validate_journey, small, known_segments=segments)
    naive_ms, failures = timed(naive_upstream_every_path, small)
    print(
        f"upstream rule on {len(small.nodes)} nodes: validator (dominators, all rules) "
        f"{fast_ms:.1f} ms vs naive path enumeration (that rule only) {naive_ms:.1f} ms "
        f"= {naive_ms / fast_ms:.0f}x; naive failures {failures}"
    )


if __name__ == "__main__":
    main()
