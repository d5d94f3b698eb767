"""Synthetic people for the demo workspace: one contact and its history at a time.

:class:`People` draws from a single ``random.Random``, contact after contact, so the same seed
and ``now`` always give the same people, and the first N of a larger demo are a smaller one.
It knows nothing about databases: a contact is a tuple in :data:`CONTACT_COLUMNS` order and an
event a tuple in :data:`EVENT_COLUMNS` order, with times as whole UTC seconds since the epoch
and JSON columns as JSON text (the writer in :mod:`app.store.demo` stores them).

The behaviour mix (shares below) is what gives each sample segment its members: buyers, some
of whom stopped buying (“No purchase in 60 days”); sign-ups of the last 30 days, two thirds of
them with email consent (“New subscribers”); Contoso staff with ``is_employee`` and a
``@contoso.example`` address (“Employees”); and a long tail of order frequency and basket size
that puts a few percent over a lifetime value of 1,000 (“High value customers”). Every event
lies in [now − 180 days, now] and not before its contact was created.
"""

from __future__ import annotations

import json
import math
import random
import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

from app.store.demo_names import (
    COMPANIES,
    COUNTRIES,
    EMPLOYER,
    EMPLOYER_DOMAIN,
    MAIL_DOMAINS,
    PAGES,
    PRODUCTS,
    REGION_OF_COUNTRY,
    SALES_TEAMS,
    City,
    Country,
)

CONTACT_COLUMNS = (
    "id", "external_id", "kind", "email", "phone", "first_name", "last_name", "company",
    "country", "region", "city", "owner", "timezone", "email_opt_in", "sms_opt_in",
    "push_opt_in", "created_at", "updated_at", "attributes",
)  # fmt: skip
EVENT_COLUMNS = ("contact_id", "type", "occurred_at", "properties")

DAY = 86_400
HISTORY_DAYS = 180
SIGNUP_SPAN = 730 * DAY
"""Contacts were created over the last two years, more of them recently (a growing shop)."""
EMPLOYEE_SHARE = 0.004
LEAD_SHARE = 0.05
BUYER_SHARE = 0.6
"""Customers who bought at least once in the 180 days of history."""
LAPSE_SHARE = 0.25
"""Buyers who stopped buying at some point before the last 60 days."""
NEWSLETTER_EVERY = timedelta(days=28)
LOYALTY_TIERS = ((300.0, "bronze"), (1000.0, "silver"), (2500.0, "gold"))
HIGH_VALUE = 1000.0
"""Customers worth this much get an account owner, like leads."""

_HOUR_WEIGHTS = (
    1,
    1,
    1,
    1,
    1,
    2,
    4,
    7,
    9,
    10,
    10,
    11,
    12,
    11,
    10,
    10,
    11,
    12,
    14,
    16,
    16,
    13,
    8,
    3,
)
"""When people shop and read mail, by local hour."""

Event = tuple[int, str, int, str]
Contact = tuple[Any, ...]
_Moment = tuple[int, str, str]
"""An event before it is tied to its contact: (at, type, properties JSON)."""


class People:
    """Draws one contact and its history at a time from a single random stream."""

    def __init__(self, seed: int, now: datetime) -> None:
        self.rng = random.Random(seed)
        self.now = int(now.timestamp())
        self.history_start = self.now - HISTORY_DAYS * DAY
        self._country_weights = list(accumulate(country.weight for country in COUNTRIES))
        self._hour_weights = list(accumulate(_HOUR_WEIGHTS))
        self._stems: dict[str, int] = {}
        self._offsets: dict[str, int] = {}
        self._newsletters = _newsletter_schedule(self.history_start, self.now)
        self._pages = {page: json.dumps({"page": page}) for page in PAGES}

    def person(self, contact_id: int) -> tuple[Contact, list[Event]]:
        rng = self.rng
        country = rng.choices(COUNTRIES, cum_weights=self._country_weights)[0]
        city = rng.choice(country.cities)
        first, last = rng.choice(country.names.first), rng.choice(country.names.last)
        created = self.now - 60 - int(SIGNUP_SPAN * rng.random() ** 1.15)
        role = rng.random()
        employee = role < EMPLOYEE_SHARE
        lead = EMPLOYEE_SHARE <= role < EMPLOYEE_SHARE + LEAD_SHARE
        offset = self._utc_offset(city.timezone)
        engagement = rng.betavariate(1.6, 4.0)
        history: list[_Moment] = []
        attributes: dict[str, Any] = {}
        company: str | None = None
        if lead:
            company = rng.choice(COMPANIES)
            domain = _slug(company) + ".example"
            consent = (_consent(rng, 0.5, 0.3), _consent(rng, 0.1, 0.5), _consent(rng, 0.05, 0.5))
            has_phone = rng.random() < 0.9
            visits_per_30_days = 0.5 + 2.0 * engagement
            owner_wanted = True
        else:
            if employee:
                company, domain = EMPLOYER, EMPLOYER_DOMAIN
                attributes["is_employee"] = True
            else:
                domain = rng.choice(MAIL_DOMAINS)
                if rng.random() < 0.08:
                    company = rng.choice(COMPANIES)
            consent = (_consent(rng, 0.66, 0.24), _consent(rng, 0.3, 0.5), _consent(rng, 0.28, 0.4))
            has_phone = employee or rng.random() < 0.8
            visits_per_30_days = 0.1 + 0.8 * engagement
            value, orders = self._purchases(created, offset, country.currency, history)
            attributes |= {"lifetime_value": value, "order_count": orders}
            if orders and rng.random() < 0.55:
                attributes["loyalty_tier"] = _tier(value)
                attributes["renewal_date"] = self._renewal(created)
            owner_wanted = value >= HIGH_VALUE and not employee
        email_opt_in, sms_opt_in, push_opt_in = consent
        self._visits(max(created, self.history_start), visits_per_30_days, offset, history)
        if email_opt_in:
            self._newsletter_history(created, engagement, history)
        history.sort(key=lambda moment: moment[0])
        team = SALES_TEAMS[REGION_OF_COUNTRY.get(country.code, "other")]
        updated = max([created] + [at for at, kind, _ in history if kind == "purchase"])
        contact = (
            contact_id,
            None if lead else f"SHOP-{contact_id:08d}",
            "lead" if lead else "contact",
            self._email(first, last, domain),
            self._phone(country, city) if has_phone else None,
            first,
            last,
            company,
            country.code,
            city.region,
            city.name,
            rng.choice(team) if owner_wanted else None,
            city.timezone,
            email_opt_in,
            sms_opt_in if has_phone else None,
            push_opt_in,
            created,
            updated,
            json.dumps(attributes),
        )
        return contact, [(contact_id, kind, at, properties) for at, kind, properties in history]

    def _purchases(
        self, created: int, offset: int, currency: str, history: list[_Moment]
    ) -> tuple[float, int]:
        """Purchases in the history window, plus orders before it: (lifetime value, orders)."""
        rng = self.rng
        rate = rng.lognormvariate(math.log(2.0), 0.75)  # orders per 180 days
        basket = rng.lognormvariate(math.log(55.0), 0.5)  # typical order value
        buyer = rng.random() < BUYER_SHARE
        lapses = rng.random() < LAPSE_SHARE
        start = max(created, self.history_start)
        spent, orders = 0.0, 0
        if buyer and start < self.now - 3600:
            end = self.now
            if lapses and start < self.now - 67 * DAY:
                end = _between(rng, start + DAY, self.now - 61 * DAY)
            orders = max(1, _poisson(rng, rate * (end - start) / (HISTORY_DAYS * DAY)))
            for _ in range(orders):
                at = self._moment(start, end, offset)
                amount = round(basket * rng.lognormvariate(0.0, 0.35), 2)
                sku = rng.choice(PRODUCTS)
                quantity = rng.choice((1, 1, 1, 1, 2, 2, 3))
                # float repr is what json.dumps writes; the other values are plain ASCII.
                properties = (
                    f'{{"amount": {amount!r}, "currency": "{currency}", "sku": "{sku}", '
                    f'"quantity": {quantity}}}'
                )
                history.append((at, "purchase", properties))
                if rng.random() < 0.6 and at - 2400 >= start:
                    page = json.dumps({"page": f"/products/{sku.lower()}"})
                    history.append((at - _between(rng, 120, 2400), "web_visit", page))
                spent += amount
        if created < self.history_start:
            earlier = (self.history_start - created) / (HISTORY_DAYS * DAY)
            earlier_rate = rate if buyer else (0.6 if rng.random() < 0.35 else 0.0)
            before = _poisson(rng, earlier_rate * earlier * 0.8)
            spent += before * basket * rng.lognormvariate(0.0, 0.15)
            orders += before
        return round(spent, 2), orders

    def _visits(self, start: int, per_30_days: float, offset: int, history: list[_Moment]) -> None:
        if start >= self.now:
            return
        count = _poisson(self.rng, per_30_days * (self.now - start) / (30 * DAY))
        for _ in range(count):
            at = self._moment(start, self.now, offset)
            history.append((at, "web_visit", self._pages[self.rng.choice(PAGES)]))

    def _newsletter_history(self, created: int, engagement: float, history: list[_Moment]) -> None:
        rng = self.rng
        opens = 0.08 + 0.75 * engagement
        clicks = 0.05 + 0.35 * engagement
        for sent, about in self._newsletters:
            if sent < created:
                continue
            delivered = sent + _between(rng, 5, 900)
            if rng.random() < 0.008:
                history.append((delivered, "email_bounced", about))
                continue
            history.append((delivered, "email_delivered", about))
            if rng.random() >= opens:
                continue
            opened = delivered + int(rng.expovariate(1 / (5 * 3600)))
            if opened > self.now:
                continue
            history.append((opened, "email_opened", about))
            if rng.random() >= clicks:
                continue
            clicked = opened + _between(rng, 10, 600)
            if clicked > self.now:
                continue
            history.append((clicked, "email_clicked", about))
            visit = min(self.now, clicked + _between(rng, 2, 20))
            history.append((visit, "web_visit", self._pages["/new"]))

    def _moment(self, start: int, end: int, offset: int) -> int:
        """A second in [start, end], on a day in that range at a likely local hour."""
        rng = self.rng
        at = _between(rng, start, end + 1)
        hour = rng.choices(range(24), cum_weights=self._hour_weights)[0]
        local_midnight = (at + offset) // DAY * DAY - offset
        candidate = local_midnight + hour * 3600 + _between(rng, 0, 3600)
        return candidate if start <= candidate <= end else at

    def _utc_offset(self, timezone: str) -> int:
        if timezone not in self._offsets:
            moment = datetime.fromtimestamp(self.now, UTC).astimezone(ZoneInfo(timezone))
            delta = moment.utcoffset()
            self._offsets[timezone] = int(delta.total_seconds()) if delta else 0
        return self._offsets[timezone]

    def _renewal(self, created: int) -> str:
        """The next anniversary of sign-up after today, at 09:00 UTC (ISO 8601 text)."""
        signed_up = datetime.fromtimestamp(created, UTC).date()
        today = datetime.fromtimestamp(self.now, UTC).date()
        year = today.year
        while (anniversary := _anniversary(signed_up, year)) <= today:
            year += 1
        return datetime.combine(anniversary, time(9), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def _email(self, first: str, last: str, domain: str) -> str:
        given, family = _ascii(first), _ascii(last)
        style = self.rng.random()
        if style < 0.6:
            local = f"{given}.{family}"
        elif style < 0.8:
            local = f"{given[0]}{family}"
        elif style < 0.9:
            local = f"{given}{family}"
        else:
            local = f"{given}_{family}"
        stem = f"{local}@{domain}"
        seen = self._stems.get(stem, 0) + 1
        self._stems[stem] = seen
        # A stem never ends in a digit before the @, a numbered address always does: unique.
        return stem if seen == 1 else f"{local}{seen}@{domain}"

    def _phone(self, country: Country, city: City) -> str:
        template = city.phone or self.rng.choice(country.phones)
        prefix = template.rstrip("#")
        digits = len(template) - len(prefix)
        return f"{prefix}{self.rng.randrange(10**digits):0{digits}d}"


def _newsletter_schedule(start: int, now: int) -> list[tuple[int, str]]:
    """Every fourth Tuesday at 09:00 UTC in the history window: (time, properties JSON)."""
    day = datetime.fromtimestamp(start, UTC).date() + timedelta(days=1)
    day += timedelta(days=(1 - day.weekday()) % 7)  # the next Tuesday
    sends: list[tuple[int, str]] = []
    while (sent := int(datetime.combine(day, time(9), UTC).timestamp())) <= now - 3600:
        sends.append((sent, json.dumps({"campaign": f"newsletter-{day.isoformat()}"})))
        day += NEWSLETTER_EVERY
    return sends


def _between(rng: random.Random, low: int, high: int) -> int:
    """A whole number in [low, high): ``randrange`` for the hot loops, three times cheaper."""
    return low + int(rng.random() * (high - low))


def _consent(rng: random.Random, yes: float, no: float) -> bool | None:
    """True, False, or None (never asked; counts as no consent) with the given shares."""
    draw = rng.random()
    return True if draw < yes else False if draw < yes + no else None


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method; the means here are small, capped at 60)."""
    limit = math.exp(-min(mean, 60.0))
    count, product = 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _tier(lifetime_value: float) -> str:
    return next((tier for bound, tier in LOYALTY_TIERS if lifetime_value < bound), "platinum")


def _anniversary(signed_up: date, year: int) -> date:
    try:
        return signed_up.replace(year=year)
    except ValueError:  # 29 February in a year without one
        return date(year, 2, 28)


@cache
def _ascii(name: str) -> str:
    """A name as written in an email address: lower-case ASCII letters, digits and hyphens.

    Cached: the names come from the fixed lists of :mod:`app.store.demo_names`.
    """
    name = name.lower()
    for letter, spelled in (("ß", "ss"), ("æ", "ae"), ("ø", "o"), ("ł", "l"), ("œ", "oe")):
        name = name.replace(letter, spelled)
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in plain if ch.isalnum() or ch == "-")


def _slug(company: str) -> str:
    """``Margie's Travel`` → ``margies-travel`` (a company's ``.example`` domain)."""
    plain = _ascii(company.replace(" ", "-").replace("&", "-").replace(".", "-"))
    return "-".join(part for part in plain.split("-") if part)
