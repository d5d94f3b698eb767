"""Stored segments: save, read, list and delete them, evaluate them, refresh their membership.

Owns the ``segments`` and ``segment_members`` tables (DESIGN §3). Invariants:

- ``segments.document`` is the segment's file text (:meth:`SegmentDocument.to_json`) and
  ``segments.name`` its name; a segment is addressed by name.
- Every stored definition compiles: saving one that names an unknown segment or closes a cycle
  is refused (:class:`~app.store.segment_sql.SegmentDefinitionError`), and so is deleting a
  segment that another one names (:class:`SegmentInUse`).
- A segment used by a live or paused journey, directly or through other segments, is neither
  edited nor deleted: :class:`SegmentInUse` names the journeys. Saving the same text again is
  not an edit.
- ``segment_members`` holds the members as of ``segments.refreshed_at``, each with the moment
  it joined. :func:`refresh` moves it to ``now`` with set-based statements (the members are
  computed once by the compiled SQL into a temporary table, then one DELETE … RETURNING and one
  INSERT … SELECT … RETURNING), so each join and leave is reported exactly once.

It also evaluates definitions that are not saved (the builder's live count and sample, which
see the stored segments with the draft in place of its namesake), lists what the builder
offers (values present in a field, event types present), and counts the overlap of the entry
segments of running journeys.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Integer,
    MetaData,
    Table,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)

from app.domain.conditions import AttributeTest, Op
from app.domain.loading import load_segment
from app.domain.segment import SegmentDocument
from app.store.schema import (
    UTCDateTime,
    attribute_catalogue,
    contacts,
    events,
    journey_versions,
    journeys,
    segment_members,
    segments,
)
from app.store.segment_sql import SegmentCompiler, cheap_tests_first, value_test
from app.store.segment_usage import journeys_using, segments_using
from app.store.versions import RUNNING_STATUSES

SaveOutcome = Literal["created", "updated", "unchanged"]


class SegmentNotFound(LookupError):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"there is no segment named “{name}”")


class SegmentInUse(ValueError):
    """Editing or deleting this segment would change or break what uses it."""

    def __init__(self, name: str, action: str, journeys: list[str], used_by: list[str]) -> None:
        self.name = name
        self.journeys = journeys
        self.segments = used_by
        reasons = []
        if journeys:
            listed = ", ".join(f"“{journey}”" for journey in journeys)
            reasons.append(f"live or paused journeys use it: {listed}")
        if used_by:
            listed = ", ".join(f"“{segment}”" for segment in used_by)
            reasons.append(f"other segments use it: {listed}")
        hint = "; save it under a new name instead" if action == "edit" else ""
        super().__init__(f"cannot {action} segment “{name}”: {'; '.join(reasons)}{hint}")


@dataclass(frozen=True)
class StoredSegment:
    id: int
    name: str
    document: SegmentDocument
    created_at: datetime
    updated_at: datetime
    refreshed_at: datetime | None


def stored_documents(connection: Connection) -> dict[str, SegmentDocument]:
    """Every stored segment's document, by name."""
    rows = connection.execute(select(segments.c.name, segments.c.document))
    return {name: load_segment(text, f"segment “{name}”") for name, text in rows}


def catalogue(connection: Connection) -> dict[str, str]:
    """The attribute catalogue: custom attribute key → type."""
    rows = connection.execute(select(attribute_catalogue.c.key, attribute_catalogue.c.type))
    return {key: kind for key, kind in rows}


def segment_compiler(connection: Connection, now: datetime) -> SegmentCompiler:
    """A compiler at ``now`` that knows every stored segment and the attribute catalogue."""
    return SegmentCompiler(
        now=now,
        dialect=connection.dialect.name,
        segments=stored_documents(connection),
        catalogue=catalogue(connection),
    )


def get_segment(connection: Connection, name: str) -> StoredSegment:
    """The stored segment named ``name``; :class:`SegmentNotFound` when there is none."""
    row = connection.execute(select(segments).where(segments.c.name == name)).first()
    if row is None:
        raise SegmentNotFound(name)
    return StoredSegment(
        id=row.id,
        name=row.name,
        document=load_segment(row.document, f"segment “{row.name}”"),
        created_at=row.created_at,
        updated_at=row.updated_at,
        refreshed_at=row.refreshed_at,
    )


def list_segments(connection: Connection) -> list[StoredSegment]:
    """Every stored segment, by name."""
    names = connection.scalars(select(segments.c.name).order_by(segments.c.name))
    return [get_segment(connection, name) for name in names]


def save_segment(connection: Connection, document: SegmentDocument, now: datetime) -> SaveOutcome:
    """Create the segment or replace the definition of the one with its name.

    Refuses a definition that does not compile against the stored segments (unknown name,
    cycle), and an edit of a segment in use (:class:`SegmentInUse`).
    """
    text = document.to_json()
    current = connection.execute(
        select(segments.c.id, segments.c.document).where(segments.c.name == document.name)
    ).first()
    if current is not None and current.document == text:
        return "unchanged"
    stored = stored_documents(connection)
    if current is not None:
        users = journeys_using(connection, document.name, stored)
        if users:
            raise SegmentInUse(document.name, "edit", users, [])
    with_new = {**stored, document.name: document}
    SegmentCompiler(now=now, dialect=connection.dialect.name, segments=with_new).predicate(document)
    if current is None:
        connection.execute(
            insert(segments).values(
                name=document.name, document=text, created_at=now, updated_at=now
            )
        )
        return "created"
    connection.execute(
        update(segments).where(segments.c.id == current.id).values(document=text, updated_at=now)
    )
    return "updated"


class SegmentNameTaken(ValueError):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"another segment is already named “{name}”")


def segment_exists(connection: Connection, name: str) -> bool:
    return connection.scalar(select(segments.c.id).where(segments.c.name == name)) is not None


def rename_segment(
    connection: Connection, old_name: str, document: SegmentDocument, now: datetime
) -> None:
    """Give the segment ``old_name`` the name and definition of ``document``.

    Refused when the new name is taken, and while journeys or other segments use the segment
    (they name it), as an edit would be.
    """
    segment_id = connection.scalar(select(segments.c.id).where(segments.c.name == old_name))
    if segment_id is None:
        raise SegmentNotFound(old_name)
    if segment_exists(connection, document.name):
        raise SegmentNameTaken(document.name)
    stored = stored_documents(connection)
    users = journeys_using(connection, old_name, stored)
    others = segments_using(old_name, stored)
    if users or others:
        raise SegmentInUse(old_name, "rename", users, others)
    del stored[old_name]
    with_new = {**stored, document.name: document}
    SegmentCompiler(now=now, dialect=connection.dialect.name, segments=with_new).predicate(document)
    connection.execute(
        update(segments)
        .where(segments.c.id == segment_id)
        .values(name=document.name, document=document.to_json(), updated_at=now)
    )


def delete_segment(connection: Connection, name: str) -> None:
    """Delete a segment and its membership; refused while journeys or segments use it."""
    segment_id = connection.scalar(select(segments.c.id).where(segments.c.name == name))
    if segment_id is None:
        raise SegmentNotFound(name)
    stored = stored_documents(connection)
    journeys = journeys_using(connection, name, stored)
    others = segments_using(name, stored)
    if journeys or others:
        raise SegmentInUse(name, "delete", journeys, others)
    connection.execute(delete(segment_members).where(segment_members.c.segment_id == segment_id))
    connection.execute(delete(segments).where(segments.c.id == segment_id))


def count_members(connection: Connection, name: str, now: datetime) -> int:
    """How many contacts are in the segment at ``now`` (evaluated, not the materialised set)."""
    document = get_segment(connection, name).document
    return int(connection.scalar(segment_compiler(connection, now).count(document)) or 0)


def member_emails(connection: Connection, name: str, now: datetime) -> list[str | None]:
    """The members' emails at ``now``, sorted; members without an email (None) come last."""
    document = get_segment(connection, name).document
    members = segment_compiler(connection, now).members(document).subquery()
    emails = connection.scalars(select(contacts.c.email).where(contacts.c.id.in_(select(members))))
    return sorted(emails, key=lambda email: (email is None, email or ""))


_fresh = Table(
    "segment_refresh_fresh",
    MetaData(),
    Column("contact_id", Integer, primary_key=True),
    prefixes=["TEMPORARY"],
)
"""The members computed by one refresh (a temporary table, created and dropped by it)."""


def refresh(connection: Connection, name: str, now: datetime) -> tuple[list[int], list[int]]:
    """Bring the materialised membership to ``now``; return (joined, left) contact ids, sorted.

    Joiners get ``joined_at = now``; ``segments.refreshed_at`` becomes ``now``. Use a writer
    connection: everything happens in its transaction.
    """
    stored = get_segment(connection, name)
    members = segment_compiler(connection, now).members(stored.document)
    # On failure the transaction's rollback drops the temporary table too.
    _fresh.create(connection)
    connection.execute(insert(_fresh).from_select(["contact_id"], members))
    left = connection.scalars(
        delete(segment_members)
        .where(
            segment_members.c.segment_id == stored.id,
            segment_members.c.contact_id.not_in(select(_fresh.c.contact_id)),
        )
        .returning(segment_members.c.contact_id)
    ).all()
    current = select(segment_members.c.contact_id).where(segment_members.c.segment_id == stored.id)
    newcomers = select(literal(stored.id), _fresh.c.contact_id, literal(now, UTCDateTime())).where(
        _fresh.c.contact_id.not_in(current)
    )
    joined = connection.scalars(
        insert(segment_members)
        .from_select(["segment_id", "contact_id", "joined_at"], newcomers)
        .returning(segment_members.c.contact_id)
    ).all()
    _fresh.drop(connection)
    connection.execute(update(segments).where(segments.c.id == stored.id).values(refreshed_at=now))
    return sorted(joined), sorted(left)


def materialised_members(connection: Connection, name: str) -> dict[int, datetime]:
    """The materialised membership: contact id → joined_at."""
    stored = get_segment(connection, name)
    rows = connection.execute(
        select(segment_members.c.contact_id, segment_members.c.joined_at).where(
            segment_members.c.segment_id == stored.id
        )
    )
    return {contact_id: joined_at for contact_id, joined_at in rows}


# -- evaluating a definition that is not saved (the builder's live count) -------------------


@dataclass(frozen=True)
class MemberRow:
    """A member as the builder's sample shows them."""

    id: int
    first_name: str | None
    last_name: str | None
    email: str | None
    country: str | None


def draft_compiler(
    connection: Connection, document: SegmentDocument, now: datetime
) -> SegmentCompiler:
    """A compiler at ``now`` that knows the stored segments, with ``document`` in place of the
    stored segment of its name (so a draft that would close a cycle is refused as saving it
    would be)."""
    stored = stored_documents(connection)
    stored[document.name] = document
    return SegmentCompiler(
        now=now, dialect=connection.dialect.name, segments=stored, catalogue=catalogue(connection)
    )


def quick_order(document: SegmentDocument) -> SegmentDocument:
    """The same segment with cheap tests first (:func:`cheap_tests_first`)."""
    return document.model_copy(update={"definition": cheap_tests_first(document.definition)})


def count_document(connection: Connection, document: SegmentDocument, now: datetime) -> int:
    """How many contacts match ``document`` at ``now``: one ``SELECT count(*)``."""
    document = quick_order(document)
    statement = draft_compiler(connection, document, now).count(document)
    return int(connection.scalar(statement) or 0)


def member_ids(connection: Connection, document: SegmentDocument, now: datetime) -> list[int]:
    """The ids of ``document``'s members at ``now`` (cheap tests first)."""
    document = quick_order(document)
    return list(connection.scalars(draft_compiler(connection, document, now).members(document)))


def members_among(
    connection: Connection, document: SegmentDocument, now: datetime, candidates: Sequence[int]
) -> list[int]:
    """The ids of those of ``candidates`` who are members of ``document`` at ``now``.

    SQLite only: the candidates travel as one JSON array (``json_each``) and each is looked up
    by its primary key, so only they are tested.
    """
    document = quick_order(document)
    predicate = draft_compiler(connection, document, now).predicate(document)
    chosen = select(func.json_each(json.dumps(list(candidates))).table_valued("value").c.value)
    query = select(contacts.c.id).where(contacts.c.id.in_(chosen.scalar_subquery()), predicate)
    return list(connection.scalars(query))


def value_index(connection: Connection, field: str, limit: int) -> dict[Any, list[int]] | None:
    """Every contact id by its value of the built-in column ``field`` (None a value too), or
    None when the column holds more than ``limit`` distinct values.

    SQLite only: one grouped scan hands each value's ids over as one text (``group_concat``),
    which is several times faster than fetching a row per contact.
    """
    column = contacts.c[field]
    grouped = connection.execute(select(column, func.group_concat(contacts.c.id)).group_by(column))
    index: dict[Any, list[int]] = {}
    for value, ids in grouped:
        if len(index) == limit:
            return None
        index[value] = [int(item) for item in ids.split(",")]
    return index


def matching_values(
    connection: Connection, test: AttributeTest, values: Sequence[Any], now: datetime
) -> list[int]:
    """The positions in ``values`` (distinct values of the test's column) that pass ``test``
    at ``now``, decided by the same SQL as the segment's (:func:`value_test`)."""
    listed = func.json_each(json.dumps(list(values))).table_valued("key", "value")
    compiler = segment_compiler(connection, now)
    query = select(listed.c.key).where(value_test(compiler, test, listed.c.value))
    return [int(key) for key in connection.scalars(query)]


def sample_members(
    connection: Connection, document: SegmentDocument, now: datetime, limit: int
) -> list[MemberRow]:
    """The first ``limit`` members of ``document`` at ``now`` (by id, oldest contacts first)."""
    document = quick_order(document)
    predicate = draft_compiler(connection, document, now).predicate(document)
    rows = connection.execute(
        select(
            contacts.c.id,
            contacts.c.first_name,
            contacts.c.last_name,
            contacts.c.email,
            contacts.c.country,
        )
        .where(predicate)
        .order_by(contacts.c.id)
        .limit(limit)
    )
    return [MemberRow(*row) for row in rows]


def present_values(connection: Connection, field: str, limit: int) -> list[str]:
    """The distinct non-empty values of a text contact field (or ``attributes.<key>``), sorted;
    at most ``limit`` of them: the builder offers them as choices."""
    compiler = segment_compiler(connection, datetime.now(UTC))
    operand = compiler.field(AttributeTest(field=field, op=Op.IS_NOT_EMPTY))
    if operand.kind != "text":
        return []
    query = (
        select(operand.value)
        .where(operand.present)
        .group_by(operand.value)
        .order_by(operand.value)
        .limit(limit)
    )
    return [str(value) for value in connection.scalars(query)]


def event_types(connection: Connection) -> list[str]:
    """The event types present in the workspace, sorted.

    A recursive skip over the ``events (type, occurred_at)`` index: one seek per type, instead
    of reading every event as ``SELECT DISTINCT type`` does.
    """
    step = select(func.min(events.c.type)).scalar_subquery()
    types = select(step.label("type")).cte("present_types", recursive=True)
    following = (
        select(func.min(events.c.type)).where(events.c.type > types.c.type).scalar_subquery()
    )
    types = types.union_all(select(following).where(types.c.type.is_not(None)))
    return list(connection.scalars(select(types.c.type).where(types.c.type.is_not(None))))


# -- overlap of the audiences of running journeys ------------------------------------------


@dataclass(frozen=True)
class JourneyEntry:
    journey: str
    status: str
    segment: str


def running_entries(connection: Connection) -> list[JourneyEntry]:
    """Live and paused journeys with the entry segment of their current version, by name."""
    rows = connection.execute(
        select(journeys.c.name, journeys.c.status, journey_versions.c.document)
        .join(
            journey_versions,
            (journey_versions.c.journey_id == journeys.c.id)
            & (journey_versions.c.version == journeys.c.current_version),
        )
        .where(journeys.c.status.in_(RUNNING_STATUSES))
        .order_by(journeys.c.name)
    )
    entries = []
    for name, status, text in rows:
        settings = json.loads(text).get("settings") or {}
        segment = settings.get("entry_segment")
        if isinstance(segment, str) and segment:
            entries.append(JourneyEntry(name, status, segment))
    return entries


def refreshed_names(connection: Connection, names: Sequence[str]) -> set[str]:
    """Those of ``names`` whose membership has been materialised (refreshed at least once)."""
    query = select(segments.c.name).where(
        segments.c.name.in_(names), segments.c.refreshed_at.is_not(None)
    )
    return set(connection.scalars(query))


def overlap_counts(
    connection: Connection, names: Sequence[str], now: datetime
) -> dict[tuple[str, str], int]:
    """For every pair of the segments ``names`` (and each with itself), how many contacts are
    in both, keyed ``(a, b)`` and ``(b, a)``.

    One statement: each segment is its materialised membership when it has been refreshed,
    else its compiled definition at ``now``; each contact's memberships are computed once, then
    summed per pair.
    """
    if not names:
        return {}
    compiler = segment_compiler(connection, now)
    rows = connection.execute(
        select(segments.c.name, segments.c.id).where(
            segments.c.name.in_(names), segments.c.refreshed_at.is_not(None)
        )
    )
    refreshed: dict[str, int] = {name: segment_id for name, segment_id in rows}
    tests: list[ColumnElement[bool]] = []
    for name in names:
        if name in refreshed:
            members = select(segment_members.c.contact_id).where(
                segment_members.c.segment_id == refreshed[name]
            )
            tests.append(contacts.c.id.in_(members))
        else:
            tests.append(compiler.predicate(get_segment(connection, name).document))
    flags = (
        select(*[case((test, 1), else_=0).label(f"s{index}") for index, test in enumerate(tests)])
        .where(or_(*tests))
        .subquery()
    )
    pairs = [(i, j) for i in range(len(names)) for j in range(i, len(names))]
    sums = [func.coalesce(func.sum(flags.c[f"s{i}"] * flags.c[f"s{j}"]), 0) for i, j in pairs]
    row = connection.execute(select(*sums)).one()
    counts: dict[tuple[str, str], int] = {}
    for (i, j), value in zip(pairs, row, strict=True):
        counts[names[i], names[j]] = counts[names[j], names[i]] = int(value)
    return counts
