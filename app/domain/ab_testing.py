"""A/B assignment and winners (DESIGN §5), pure.

A contact's variant is ``sha256("journey_id:node_id:contact_id:run")`` read as an integer,
mod 10,000, against the cumulative weights × 100: deterministic, so a re-run of the same
tick gives the same variant, and independent between nodes and runs. A winner is the variant
with the highest metric share once every variant has ``min_per_variant`` contacts; a tie goes
to the first variant in the node's order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.domain.node_configs import Variant

BUCKETS = 10_000


def bucket(journey_id: str, node_id: str, contact_id: int, run: int) -> int:
    """The contact's bucket in [0, 10,000) for this A/B node and run."""
    key = f"{journey_id}:{node_id}:{contact_id}:{run}".encode()
    return int.from_bytes(hashlib.sha256(key).digest(), "big") % BUCKETS


def variant_for(bucket_value: int, variants: Sequence[Variant]) -> str:
    """The variant whose cumulative weight range holds the bucket (weights sum to 100)."""
    ceiling = 0
    for variant in variants:
        ceiling += variant.weight * (BUCKETS // 100)
        if bucket_value < ceiling:
            return variant.name
    return variants[-1].name


@dataclass(frozen=True)
class VariantResult:
    """How one variant did: contacts assigned and how many of them met the metric."""

    name: str
    contacts: int
    converted: int

    @property
    def rate(self) -> float:
        return self.converted / self.contacts if self.contacts else 0.0


def pick_winner(results: Sequence[VariantResult], min_per_variant: int) -> str | None:
    """The winning variant, or None while any variant has fewer than ``min_per_variant``."""
    if not results or any(result.contacts < min_per_variant for result in results):
        return None
    best = results[0]
    for result in results[1:]:
        # Compare converted/contacts exactly (cross-multiplied) so ties are ties.
        if result.converted * best.contacts > best.converted * result.contacts:
            best = result
    return best.name


def results_in_order(
    variants: Sequence[Variant], contacts: Mapping[str, int], converted: Mapping[str, int]
) -> list[VariantResult]:
    """Results in the node's variant order (the order that breaks ties)."""
    return [
        VariantResult(v.name, contacts.get(v.name, 0), converted.get(v.name, 0)) for v in variants
    ]
