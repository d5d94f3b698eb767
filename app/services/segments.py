"""Use-cases on segments, shared by the command line and the app.

Each takes an open :class:`~app.store.workspace.Workspace` and runs in one transaction (a
writer for changes, a reader for evaluation). Errors keep their store types, grouped for
callers: :data:`REFUSALS` (the workspace said no: unknown or circular segment references, a
segment in use), :class:`~app.store.segments.SegmentNotFound`, and
:class:`~app.domain.loading.DocumentError` for a file that cannot be read.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from app.domain.conditions import AllGroup, AttributeCondition, Condition
from app.domain.segment import SegmentDocument
from app.services.documents import read_segment
from app.store import segments as store
from app.store.segment_sql import CATALOGUE_TYPES, SegmentDefinitionError
from app.store.segment_usage import due_segments, segments_in_use, segments_using
from app.store.workspace import Workspace

REFUSALS: tuple[type[Exception], ...] = (
    SegmentDefinitionError,
    store.SegmentInUse,
    store.SegmentNameTaken,
)
"""What a save or delete may be refused with; the message says why in the user's words."""

SegmentNotFound = store.SegmentNotFound
MemberRow = store.MemberRow

SAMPLE_SIZE = 20
"""Members the builder shows beside the live count."""
CHOICE_LIMIT = 200
"""At most this many distinct values are offered as choices for a field."""


@dataclass(frozen=True)
class SavedSegment:
    name: str
    outcome: store.SaveOutcome
    """``created``, ``updated``, or ``unchanged`` when the workspace already had this text."""


@dataclass(frozen=True)
class SegmentSummary:
    name: str
    audience: str
    description: str
    refreshed_at: datetime | None


@dataclass(frozen=True)
class Refreshed:
    name: str
    joined: list[int]
    left: list[int]


def save_segment_file(workspace: Workspace, path: Path, now: datetime) -> SavedSegment:
    """Read a ``*.segment.json`` file and create or update the segment of its name."""
    document = read_segment(path)
    with workspace.writer() as connection:
        outcome = store.save_segment(connection, document, now)
    return SavedSegment(document.name, outcome)


def count_members(workspace: Workspace, name: str, at: datetime) -> int:
    with workspace.reader() as connection:
        return store.count_members(connection, name, at)


def member_emails(workspace: Workspace, name: str, at: datetime) -> list[str | None]:
    """Members' emails at ``at``, sorted; None for members without an email, last."""
    with workspace.reader() as connection:
        return store.member_emails(connection, name, at)


def list_segments(workspace: Workspace) -> list[SegmentSummary]:
    with workspace.reader() as connection:
        return [
            SegmentSummary(
                item.name,
                item.document.audience,
                item.document.description,
                item.refreshed_at,
            )
            for item in store.list_segments(connection)
        ]


def delete_segment(workspace: Workspace, name: str) -> None:
    with workspace.writer() as connection:
        store.delete_segment(connection, name)


def refresh_segment(workspace: Workspace, name: str, now: datetime) -> Refreshed:
    """Bring one segment's materialised membership to ``now``."""
    with workspace.writer() as connection:
        joined, left = store.refresh(connection, name, now)
    return Refreshed(name, joined, left)


def refresh_due_segments(workspace: Workspace, now: datetime) -> list[Refreshed]:
    """Refresh every segment in use whose last refresh is older than ``segment_refresh``."""
    with workspace.writer() as connection:
        due = due_segments(connection, now, store.stored_documents(connection))
        return [Refreshed(name, *store.refresh(connection, name, now)) for name in due]


# -- the segments page ------------------------------------------------------------------------


@dataclass(frozen=True)
class SegmentOverview:
    """A row of the segments list; the member count comes separately (:func:`count_document`)."""

    name: str
    document: SegmentDocument
    journeys: list[str]
    """Live and paused journeys that use it (directly or through other segments)."""
    used_by_segments: list[str]
    refreshed_at: datetime | None

    @property
    def read_only(self) -> bool:
        """A segment used by a running journey is not edited, only duplicated (DESIGN §3)."""
        return bool(self.journeys)


def segment_overview(workspace: Workspace) -> list[SegmentOverview]:
    """Every segment with who uses it, by name."""
    with workspace.reader() as connection:
        stored = store.list_segments(connection)
        documents = {item.name: item.document for item in stored}
        in_use = segments_in_use(connection, documents)
        return [
            SegmentOverview(
                item.name,
                item.document,
                in_use.get(item.name, []),
                segments_using(item.name, documents),
                item.refreshed_at,
            )
            for item in stored
        ]


def count_document(workspace: Workspace, document: SegmentDocument, at: datetime) -> int:
    """Members of a definition that need not be saved (the builder's live count)."""
    with workspace.reader() as connection:
        return store.count_document(connection, document, at)


def sample_members(
    workspace: Workspace, document: SegmentDocument, at: datetime, limit: int = SAMPLE_SIZE
) -> list[MemberRow]:
    with workspace.reader() as connection:
        return store.sample_members(connection, document, at, limit)


def save_segment(workspace: Workspace, document: SegmentDocument, now: datetime) -> SavedSegment:
    """Create or update the segment of the document's name (refusals: :data:`REFUSALS`)."""
    with workspace.writer() as connection:
        outcome = store.save_segment(connection, document, now)
    return SavedSegment(document.name, outcome)


def save_edited(
    workspace: Workspace, document: SegmentDocument, original: str | None, now: datetime
) -> SavedSegment:
    """Save what the builder holds: a new segment (``original`` None; a taken name is
    refused), the segment ``original`` under its own name, or renamed to the document's."""
    if original is not None and original != document.name:
        return rename_segment(workspace, original, document, now)
    with workspace.writer() as connection:
        if original is None and store.segment_exists(connection, document.name):
            raise store.SegmentNameTaken(document.name)
        outcome = store.save_segment(connection, document, now)
    return SavedSegment(document.name, outcome)


def rename_segment(
    workspace: Workspace, old_name: str, document: SegmentDocument, now: datetime
) -> SavedSegment:
    """Save ``document`` under its (new) name in place of ``old_name``, in one transaction.

    Refused like an edit when ``old_name`` is in use by journeys or other segments, and when
    the new name is taken.
    """
    with workspace.writer() as connection:
        store.rename_segment(connection, old_name, document, now)
    return SavedSegment(document.name, "updated")


def free_copy_name(workspace: Workspace, name: str) -> str:
    """“NAME (copy)”, or “NAME (copy 2)”… : the first that no segment has."""
    with workspace.reader() as connection:
        taken = set(store.stored_documents(connection))
    candidate = f"{name} (copy)"
    number = 2
    while candidate in taken:
        candidate = f"{name} (copy {number})"
        number += 1
    return candidate


@dataclass(frozen=True)
class BuilderChoices:
    """What the builder offers: custom attributes with their types, event types present."""

    attributes: dict[str, str]
    event_types: list[str]


def builder_choices(workspace: Workspace) -> BuilderChoices:
    with workspace.reader() as connection:
        catalogue = store.catalogue(connection)
        return BuilderChoices(
            {key: kind for key, kind in catalogue.items() if kind in CATALOGUE_TYPES},
            store.event_types(connection),
        )


def present_values(workspace: Workspace, field: str, limit: int = CHOICE_LIMIT) -> list[str]:
    """Distinct values of a text field in the workspace, sorted (choices for ``in`` and ``eq``)."""
    with workspace.reader() as connection:
        return store.present_values(connection, field, limit)


@dataclass(frozen=True)
class Overlap:
    """How many contacts the entry segments of running journeys share.

    ``segments`` in order, each with the journeys that enter from it; ``counts[a, b]`` is the
    number in both (``counts[a, a]`` the segment's size); ``materialised`` names the segments
    read from their last refresh rather than evaluated now.
    """

    segments: list[str]
    journeys: dict[str, list[str]]
    counts: dict[tuple[str, str], int]
    materialised: set[str]


def journey_overlap(workspace: Workspace, at: datetime) -> Overlap:
    with workspace.reader() as connection:
        journeys: dict[str, list[str]] = {}
        for entry in store.running_entries(connection):
            label = entry.journey if entry.status == "live" else f"{entry.journey} (paused)"
            journeys.setdefault(entry.segment, []).append(label)
        names = sorted(name for name in journeys if store.segment_exists(connection, name))
        counts = store.overlap_counts(connection, names, at)
        materialised = store.refreshed_names(connection, names)
    return Overlap(names, {name: journeys[name] for name in names}, counts, materialised)


# -- the live count of the definition being edited ---------------------------------------------


INDEXED_FIELDS = frozenset(
    {"kind", "country", "region", "city", "company", "owner", "timezone"}
    | {"email_opt_in", "sms_opt_in", "push_opt_in"}
)
"""Contact columns with few distinct values: the live counter tests their values, not rows."""
INDEX_LIMIT = 5_000
"""A column with more distinct values than this is tested row by row in SQL."""


def bitmap(ids: Sequence[int]) -> int:
    """A set of contact ids as the bits of one integer (fast to intersect and count)."""
    if not ids:
        return 0
    bits = bytearray((max(ids) >> 3) + 1)
    for contact_id in ids:
        bits[contact_id >> 3] |= 1 << (contact_id & 7)
    return int.from_bytes(bits, "little")


def ids_of(bits: int) -> list[int]:
    """The contact ids in a :func:`bitmap`, ascending."""
    data = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
    return [
        index << 3 | bit
        for index, byte in enumerate(data)
        if byte
        for bit in range(8)
        if byte >> bit & 1
    ]


def _on_column(condition: Condition) -> bool:
    return isinstance(condition, AttributeCondition) and condition.attribute.field in INDEXED_FIELDS


@dataclass(frozen=True)
class _Found:
    """Members of ``audience`` ∧ all of ``parts`` (conditions as JSON) at ``at``, as bits;
    ``others`` are the parts that are not on few-valued columns."""

    audience: str
    at: datetime
    parts: frozenset[str]
    others: frozenset[str]
    bits: int


@dataclass
class _Partial:
    """For one audience, moment and set of other conditions: the contacts they were tested
    on (``known``) and those of them who passed (``members``)."""

    known: int
    members: int


class LiveCounter:
    """Counts the definition being edited exactly, building on what earlier counts found.

    A marketer edits one condition at a time, most often a contact field (the countries of
    a campaign). For a definition that is ``all`` of some conditions, the counter splits them
    into *column conditions* (on few-valued contact columns: country, city, kind, consent…)
    and *the others* (behaviour, membership, other fields). It keeps:

    - a value index per column used (every contact id by its value, as bitmaps): a column
      condition is decided on the column's distinct values with the segment's own SQL
      (:func:`~app.store.segments.matching_values`), not on a million rows;
    - per audience, moment and set of other conditions, which contacts those were tested on
      and which passed. A new count tests the others only on contacts that pass the column
      conditions and were never tested (:func:`~app.store.segments.members_among`); after a
      count is shown, :meth:`complete` tests the rest in the background, so that further
      edits of column conditions are answered from memory.

    Any other change (a behaviour condition edited) is counted by the compiled statement.

    Exactness: what is kept belongs to one evaluation moment ``at`` (the caller keeps it
    steady while editing) and to the data as it was: each count first asks SQLite's
    ``data_version`` on the counter's own connection, which changes whenever another
    connection commits, and everything is forgotten if it did. On other databases, and for
    definitions that are not an ``all`` group, every count is the compiled statement. A count
    started while an older one runs interrupts the older one (it would be stale).
    """

    KEEP = 6
    CHUNK = 50_000
    """Contacts tested per step of :meth:`complete`."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._lock = threading.Lock()
        self._connection: Connection | None = None
        self._version: int | None = None
        self._found: list[_Found] = []
        self._indexes: dict[str, dict[Any, int] | None] = {}
        self._partials: dict[tuple[str, datetime, frozenset[str]], _Partial] = {}
        self.complete_for: tuple[Condition, datetime] | None = None
        """The definition and moment whose other conditions are known for every contact."""
        self._waiting = 0
        self._waiting_lock = threading.Lock()
        """Counts waiting for the lock: :meth:`complete` gives way to them."""
        self.reused = 0
        """Counts answered with kept sets or value indexes (for tests and the bench)."""

    def count(self, document: SegmentDocument, at: datetime) -> int:
        if not self.workspace.is_sqlite or not isinstance(document.definition, AllGroup):
            return count_document(self.workspace, document, at)
        with self._waiting_lock:
            self._waiting += 1
        self.interrupt()
        with self._lock:
            with self._waiting_lock:
                self._waiting -= 1
            connection = self._connection or self.workspace.engine.connect()
            self._connection = connection
            try:
                with connection.begin():
                    return self._members(connection, document, at).bit_count()
            except DBAPIError as error:
                if "interrupt" not in str(error).lower():  # not a stale count stopped early
                    self._connection = None
                    connection.close()
                    self._forget()
                raise

    def interrupt(self) -> None:
        """Stop the count running now, if any (from any thread)."""
        connection = self._connection
        if connection is not None and self._lock.locked():
            raw = connection.connection.driver_connection
            if raw is not None and hasattr(raw, "interrupt"):
                raw.interrupt()

    def close(self) -> None:
        self.interrupt()
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
            self._forget()

    def _forget(self) -> None:
        self.complete_for = None
        self._found.clear()
        self._indexes.clear()
        self._partials.clear()

    def _members(self, connection: Connection, document: SegmentDocument, at: datetime) -> int:
        version = int(connection.exec_driver_sql("PRAGMA data_version").scalar() or 0)
        if version != self._version:
            self._forget()
            self._version = version
        assert isinstance(document.definition, AllGroup)
        conditions = {
            child.model_dump_json(by_alias=True): child for child in document.definition.all
        }
        parts = frozenset(conditions)
        others = frozenset(text for text, item in conditions.items() if not _on_column(item))
        audience = document.audience
        for found in self._found:
            if (found.audience, found.at, found.parts) == (audience, at, parts):
                self.reused += 1
                return found.bits
        partial = self._partial(connection, document, at, others)
        if partial is None:  # the first count, or a change beyond column conditions
            bits = bitmap(store.member_ids(connection, document, at))
            self._keep(_Found(audience, at, parts, others, bits))
            return bits
        self.reused += 1
        wanted = self._columns_bits(connection, document, parts - others, at)
        unknown = wanted & ~partial.known
        if unknown:  # contacts the others were never tested on: test them alone
            rest = self._with(document, [conditions[text] for text in sorted(others)])
            found_ids = store.members_among(connection, rest, at, ids_of(unknown))
            partial.known |= unknown
            partial.members |= bitmap(found_ids)
        bits = partial.members & wanted
        self._keep(_Found(audience, at, parts, others, bits))
        return bits

    def _partial(
        self,
        connection: Connection,
        document: SegmentDocument,
        at: datetime,
        others: frozenset[str],
    ) -> _Partial | None:
        """What is known of the other conditions: kept, or seeded from an earlier count."""
        key = (document.audience, at, others)
        partial = self._partials.get(key)
        if partial is not None:
            return partial
        seed = next(
            (found for found in self._found if (found.audience, found.at, found.others) == key),
            None,
        )
        if seed is None:
            return None
        # What that count found: for the contacts that passed its column conditions, who
        # passes the others.
        known = self._columns_bits(connection, document, seed.parts - others, at)
        partial = self._partials[key] = _Partial(known, seed.bits)
        while len(self._partials) > self.KEEP:
            del self._partials[next(iter(self._partials))]
        return partial

    def complete(self, document: SegmentDocument, at: datetime) -> None:
        """Test the definition's other conditions on every contact they were not tested on
        yet, a chunk at a time, so that later edits of its column conditions are answered
        from memory. Run it after a count was shown; it gives way to any count that begins
        (between chunks, or by being interrupted)."""
        if not self.workspace.is_sqlite or not isinstance(document.definition, AllGroup):
            return
        conditions = {
            child.model_dump_json(by_alias=True): child for child in document.definition.all
        }
        others = frozenset(text for text, item in conditions.items() if not _on_column(item))
        rest = self._with(document, [conditions[text] for text in sorted(others)])
        while not self._waiting:
            with self._lock:
                connection = self._connection
                if connection is None or self._waiting:
                    return
                try:
                    with connection.begin():
                        version = connection.exec_driver_sql("PRAGMA data_version").scalar()
                        if int(version or 0) != self._version:
                            return  # the next count starts afresh anyway
                        partial = self._partial(connection, document, at, others)
                        if partial is None:
                            return
                        unknown = ids_of(self._everyone(connection) & ~partial.known)
                        if not unknown:
                            self.complete_for = (document.definition, at)
                            return
                        chunk = unknown[: self.CHUNK]
                        found_ids = store.members_among(connection, rest, at, chunk)
                        partial.known |= bitmap(chunk)
                        partial.members |= bitmap(found_ids)
                except DBAPIError:
                    return  # interrupted by a count, or the database went away: stop

    def _keep(self, found: _Found) -> None:
        rest = [item for item in self._found if item.parts != found.parts or item.at != found.at]
        self._found = [found, *rest][: self.KEEP]

    def _columns_bits(
        self, connection: Connection, document: SegmentDocument, texts: frozenset[str], at: datetime
    ) -> int:
        """Contacts passing every one of these column conditions (everyone for none)."""
        bits = self._everyone(connection)
        for text in sorted(texts):
            condition = SegmentDocument.model_validate(
                {"name": "part", "definition": json.loads(text)}
            ).definition
            bits &= self._column_bits(connection, document, condition, at)
        return bits

    def _index(self, connection: Connection, field: str) -> dict[Any, int] | None:
        """The value index of a few-valued column (value → bits), built on first use."""
        if field not in INDEXED_FIELDS:
            return None
        if field not in self._indexes:
            index = store.value_index(connection, field, INDEX_LIMIT)
            self._indexes[field] = (
                None if index is None else {value: bitmap(ids) for value, ids in index.items()}
            )
        return self._indexes[field]

    def _column_bits(
        self, connection: Connection, document: SegmentDocument, condition: Condition, at: datetime
    ) -> int:
        """Members of the audience-free ``condition`` on a few-valued column, from its index."""
        assert isinstance(condition, AttributeCondition)
        test = condition.attribute
        index = self._index(connection, test.field)
        if index is None:  # too many values after all: test the rows
            alone = self._with(document, [condition]).model_copy(update={"audience": "any"})
            return bitmap(store.member_ids(connection, alone, at))
        values = list(index)
        bits = 0
        for position in store.matching_values(connection, test, values, at):
            bits |= index[values[position]]
        return bits

    def _everyone(self, connection: Connection) -> int:
        kinds = self._index(connection, "kind")
        assert kinds is not None  # every contact has a kind: a handful of values
        everyone = 0
        for bits in kinds.values():
            everyone |= bits
        return everyone

    @staticmethod
    def _with(document: SegmentDocument, parts: list[Condition]) -> SegmentDocument:
        return document.model_copy(update={"definition": AllGroup(all=parts)})
