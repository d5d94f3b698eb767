"""Contacts page at scale: how long the queries behind the lazy table take on a big workspace.

On an existing workspace (``--db``, e.g. a copy of ``journey-studio init --demo --contacts
1000000``) it times, median of ``--repeat`` runs each, the statements
:mod:`app.services.contacts` runs for the Contacts page:

- the count (the table's row count) and the first page of 200 rows, in the order added;
- the page at row 900,000 reached by a jump (``OFFSET``), and the page after it by keyset;
- the same three sorted by name (header click), by company and by email;
- a search (count and first page) for a common and for a rare word;
- the detail of a deep contact with many events;

then, as the naive baseline in the same process, reading every contact into Python and slicing
a page out of the list (what a model without paging would do), and the real
:class:`~app.ui.contacts.table_model.ContactsTableModel` driven offscreen to row 900,000
(rows read from SQL, time until the row is shown). Query plans are printed for each statement.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/contacts_ui.py --db /tmp/contacts1m.db
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select, text
from sqlalchemy.dialects import sqlite

from app.services.contacts import (
    _SORT_COLUMNS,
    ContactQuery,
    _search_filter,
    contact_detail,
    contact_page,
    count_contacts,
)
from app.store.schema import contacts
from app.store.workspace import Workspace, open_workspace

PAGE = 200


def timed(work: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median seconds of ``repeat`` runs, and the last result."""
    times: list[float] = []
    result: Any = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def plan(workspace: Workspace, query: ContactQuery, offset: int) -> str:
    """The plan of the narrow query that finds a page's ids (the rows are then read by id)."""
    keys = [*_SORT_COLUMNS[query.sort], contacts.c.id]
    statement = (
        select(contacts.c.id)
        .where(*_search_filter(query, "sqlite"))
        .order_by(*keys)
        .limit(PAGE)
        .offset(offset)
    )
    compiled = statement.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})
    with workspace.reader() as connection:
        rows = connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
    return "; ".join(str(row[-1]) for row in rows)


def report(label: str, seconds: float, note: str = "") -> None:
    print(f"  {label:<44} {seconds * 1000:9.1f} ms  {note}")


def bench_queries(workspace: Workspace, repeat: int, deep: int) -> dict[str, float]:
    figures: dict[str, float] = {}
    for sort in (None, "name", "company", "email"):
        query = ContactQuery(sort=sort)  # type: ignore[arg-type]
        title = f"sorted by {sort}" if sort else "order added"
        print(f"{title}: plan {plan(workspace, query, deep)}")
        seconds, total = timed(lambda q=query: count_contacts(workspace, q), repeat)
        report("count", seconds, f"{total:,} contacts")
        seconds, _rows = timed(lambda q=query: contact_page(workspace, q, 0, PAGE), repeat)
        figures[f"first page, {title}"] = seconds
        report("first page (200 rows)", seconds)
        seconds, rows = timed(
            lambda q=query, n=total: contact_page(workspace, q, deep, PAGE, total=n), repeat
        )
        figures[f"jump to row {deep:,}, {title}"] = seconds
        report(f"jump to row {deep:,} (OFFSET from the end)", seconds, f"first: {rows[0].email}")
        if sort is None or sort == "email":
            seconds, _rows = timed(lambda q=query: contact_page(workspace, q, deep, PAGE), repeat)
            report(f"jump to row {deep:,} (OFFSET from the start)", seconds)
        after = rows[-1].sort_key
        seconds, _rows = timed(
            lambda q=query, a=after: contact_page(workspace, q, deep + PAGE, PAGE, after=a),
            repeat,
        )
        figures[f"next page by keyset, {title}"] = seconds
        report("the page after it (keyset)", seconds)
    busiest = _busiest_contact(workspace)
    if busiest is not None:
        seconds, detail = timed(lambda: contact_detail(workspace, busiest), repeat)
        figures["contact detail"] = seconds
        report(f"detail of contact {busiest:,}", seconds, f"{detail.events_total} events")
    for word in ("schmidt", "zz-nobody-zz"):
        query = ContactQuery(search=word)
        statement = select(contacts.c.id).where(*_search_filter(query, "sqlite"))
        compiled = statement.compile(
            dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}
        )
        with workspace.reader() as connection:
            search_plan = connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
        print(f"search “{word}”: plan {'; '.join(str(row[-1]) for row in search_plan)}")
        seconds, total = timed(lambda q=query: count_contacts(workspace, q), repeat)
        figures[f"search count “{word}”"] = seconds
        report("count", seconds, f"{total:,} match")
        seconds, _rows = timed(lambda q=query: contact_page(workspace, q, 0, PAGE), repeat)
        figures[f"search first page “{word}”"] = seconds
        report("first page", seconds)
    return figures


def _busiest_contact(workspace: Workspace) -> int | None:
    """The contact with the most events among the last 100,000 ids (a deep one, with a
    timeline worth reading)."""
    with workspace.reader() as connection:
        return connection.execute(
            text(
                "SELECT contact_id FROM events WHERE contact_id > "
                "(SELECT max(id) - 100000 FROM contacts) "
                "GROUP BY contact_id ORDER BY count(*) DESC LIMIT 1"
            )
        ).scalar()


def naive_baseline(workspace: Workspace, deep: int) -> float:
    """Every contact read into Python, then the page at ``deep`` sliced out of the list."""
    start = time.perf_counter()
    with workspace.reader() as connection:
        everyone = connection.execute(
            select(contacts.c.id, contacts.c.first_name, contacts.c.last_name, contacts.c.email)
        ).all()
    page = everyone[deep : deep + PAGE]
    seconds = time.perf_counter() - start
    report(f"naive: all {len(everyone):,} rows, then a slice", seconds, f"{len(page)} rows")
    return seconds


def bench_model(workspace: Workspace, deep: int) -> None:
    """The real table model and view, offscreen: open, then scroll to ``deep``."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    from app.ui.background import Background
    from app.ui.contacts import ContactsPage
    from app.ui.context import AppContext

    app = QApplication.instance() or QApplication([])
    context = AppContext(workspace, Background())
    page = ContactsPage(context)
    page.resize(1300, 800)
    page.show()

    def wait(done: Callable[[], bool]) -> float:
        start = time.perf_counter()
        while not done():
            app.processEvents()
            time.sleep(0.001)
        return time.perf_counter() - start

    model = page.model
    seconds = wait(lambda: model.count is not None and model.row_at(0) is not None)
    report("page: count and first screen shown", seconds)
    # The view lays the grown row count out on a later event: scrolling before that stopped
    # at the end of the first block (row 174) and the wait below never ended.
    wait(lambda: page.table.verticalScrollBar().maximum() >= deep)
    page.table.scrollTo(model.index(deep, 0), page.table.ScrollHint.PositionAtTop)
    page.table.viewport().update()
    seconds = wait(lambda: model.row_at(deep) is not None)
    report(f"page: scrolled to row {deep:,} and shown", seconds)
    read = f"{model.rows_read:,} of {model.count:,} ({model.blocks_read} blocks)"
    print(f"  rows read from SQL: {read}")
    context.background.shutdown()
    # Delete the page and the pool before Python's exit tears the wrappers down in any order
    # (that printed "shared QObject was deleted directly" and, at times, aborted).
    page.close()
    page.deleteLater()
    context.background.deleteLater()
    app.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="an existing workspace file")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--row", type=int, default=900_000, help="the deep row to jump to")
    arguments = parser.parse_args()
    with open_workspace(arguments.db) as workspace:
        total = count_contacts(workspace, ContactQuery())
        deep = min(arguments.row, max(total - 2 * PAGE, 0))
        print(f"{arguments.db}: {total:,} contacts, deep row {deep:,}")
        figures = bench_queries(workspace, arguments.repeat, deep)
        print("baseline and the page itself:")
        naive = naive_baseline(workspace, deep)
        jump = figures[f"jump to row {deep:,}, order added"]
        first = figures["first page, order added"]
        print(f"  ratio naive / lazy: first page {naive / first:,.0f}x, jump {naive / jump:,.1f}x")
        bench_model(workspace, deep)


if __name__ == "__main__":
    main()
