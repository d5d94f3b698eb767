"""What a running journey's analytics look like on the canvas and in its header.

Turns a :class:`~app.services.reports.JourneyReport` (DESIGN §6, computed in SQL) into the short
lines the designer draws under each card and the journey's totals above the canvas. Pure
formatting: no database, no widgets. The figures cover every version of the journey.
"""

from __future__ import annotations

from app.services.reports import JourneyReport, NodeReport

CHANNEL_INTERACTIONS = {
    "email": ("opened", "clicked"),
    "sms": ("clicked",),
    "push": ("opened",),
}
SHORT = {"opened": "open", "clicked": "click"}
"""A card is narrow: "31% open · 4% click" (unique contacts over delivered, DESIGN §6)."""


def card_lines(report: JourneyReport) -> dict[str, str]:
    """Lines per node that anyone reached: "1,388 in · 240 here" (and blocked messages), then
    on a second line what matters for its kind (send: sent and open/click rates; choices: the
    count per way out)."""
    return {node_id: _card_line(node) for node_id, node in report.nodes.items() if node.entered > 0}


def _card_line(node: NodeReport) -> str:
    first = [f"{node.entered:,} in"]
    if node.in_progress:
        first.append(f"{node.in_progress:,} here")
    second: list[str] = []
    messages = node.messages
    if messages is not None:
        second.append(f"{messages.sent:,} sent")
        rates = messages.rates()
        for interaction in CHANNEL_INTERACTIONS.get(node.channel or "", ()):
            rate = rates.get(interaction)
            if rate is not None:
                second.append(f"{rate:.0%} {SHORT[interaction]}")
        blocked = sum(messages.blocked.values())
        if blocked:  # on the first line, which has room
            first.append(f"{blocked:,} blocked")
    elif len(node.ports) > 1:
        second += [f"{port} {count:,}" for port, count in node.ports.items()]
    lines = [" · ".join(first)]
    if second:
        lines.append(" · ".join(second))
    return "\n".join(lines)


def journey_line(report: JourneyReport) -> str:
    """The journey's totals: entered, active, completed and the goal against its target."""
    parts = [
        f"{report.entered:,} entered",
        f"{report.active:,} active",
        f"{report.completed:,} completed",
    ]
    goal = report.goal
    if goal.rate is not None and (goal.target_percent is not None or goal.reached):
        target = "" if goal.target_percent is None else f" (target {goal.target_percent:g}%)"
        parts.append(f"goal {goal.rate:.1%}{target}")
    return " · ".join(parts)
