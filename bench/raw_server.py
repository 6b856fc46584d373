"""The baseline server of the newer benchmarks: plain Litestar, SQL to the driver, msgspec.

    python bench/raw_server.py --database DSN_OR_SQLITE_PATH --port 8001

Each route answers what its GraphQL operation answers (the same JSON document, ``data``
included), after the same API-key lookup (bench/raw_driver.py); no GraphQL, no ORM, no
service layer. The program's pure rules (held tier, progress, expiry, benefits, special
dates) are the service's own functions: the baseline is the work around them done by hand.

  GET  /profile/{number}               guest { tier tierProgress points ledger(first: 20) }
  GET  /arrivals?propertyCode=&date=&first=&after=   the front desk's arrivals operation
  POST /stays                          recordStay, a completed stay (the happy path)
  GET  /search?text=&first=&after=     searchGuests: name words against the search terms
  GET  /ledger/{number}?first=&after=  guest { points ledger(first, after) }, keyset paging
  POST /webhooks/card-spend            a signed card-spend webhook: the activity credited
  GET  /export/{number}                exportGuestData: every row naming the member
  POST /erase/{number}                 eraseGuest: the profile deleted, the rest blanked
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import os
import secrets
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import msgspec
import uvicorn
from litestar import Litestar, Request, Response, get, post
from litestar.params import Parameter

from bench.raw_driver import Connection, Driver, Row, Unit, client_of
from staytier.clock import SystemClock, local_date
from staytier.domain.benefits import benefits_for
from staytier.domain.calendar import qualification_year
from staytier.domain.complaints import recent_cutoff
from staytier.domain.points import points_expire_on
from staytier.domain.preferences import (
    distinct_in_order,
    normalised,
    occurrences_within,
    prefix_bounds,
)
from staytier.domain.tiers import (
    QualifyingPath,
    StatusPeriod,
    YearTotals,
    held_period,
    tier_progress,
)
from staytier.domain.webhooks import WebhookRefused, verify
from staytier.program.catalog import load_preference_catalog
from staytier.program.loader import default_program_path, load_program
from staytier.program.model import ProgramVersion, Tier
from staytier.services.privacy import NOT_EXPORTED, PROFILE_TABLES
from staytier.store.models import Base

HELD_RANK = """(SELECT max(p.rank) FROM status_periods p WHERE p.member_id = m.id
  AND p.revoked_at IS NULL AND p.valid_from <= $1
  AND (p.valid_through IS NULL OR p.valid_through >= $1))"""
CARD_SECRET_ENV = "STAYTIER_STAYCARD_WEBHOOK_SECRET"
# A guest's year totals (one row) outer-joined to their status periods: one statement.
STATUS_AND_TOTALS = """SELECT t.nights, t.stays, t.base_points,
  p.tier_code, p.rank, p.valid_from, p.valid_through
FROM (SELECT coalesce(sum(nights), 0) AS nights, coalesce(sum(stays), 0) AS stays,
             coalesce(sum(base_points), 0) AS base_points
      FROM qualifying_credits WHERE member_id = $1 AND year = $2) t
LEFT JOIN status_periods p ON p.member_id = $1 AND p.revoked_at IS NULL
ORDER BY p.id"""
ARRIVALS_PAGE = """SELECT s.id, s.confirmation_number, s.arrival_date, s.departure_date,
  s.room_type, s.rate_code, m.id, m.member_number, m.first_name, m.last_name, m.language
FROM stays s JOIN members m ON m.id = s.member_id
WHERE s.property_id = $1 AND s.arrival_date = $2 AND s.status = 'BOOKED' AND s.id > $3
ORDER BY s.id"""


def _cursor(kind: str, key: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{key}".encode()).decode()


def _uncursor(cursor: str | None) -> int | None:
    return int(base64.urlsafe_b64decode(cursor).decode().split(":")[1]) if cursor else None


def _plain(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("{", "["):  # a JSON column, as the ORM reads it
        return msgspec.json.decode(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _exported_tables() -> list[tuple[str, list[str], list[str]]]:
    """(table, columns, columns naming a member) of every table the export reads."""
    members = Base.metadata.tables["members"]
    found = []
    for table in Base.metadata.sorted_tables:
        naming = [
            c.name
            for c in table.c
            if table is not members and any(fk.column.table is members for fk in c.foreign_keys)
        ]
        if naming and table.name not in NOT_EXPORTED:
            columns = [c.name for c in table.c if "hash" not in c.name]
            found.append((table.name, columns, naming))
    return found


def build(target: str, *, per_statement: bool = False) -> Litestar:
    driver = Driver(target, per_statement=per_statement)
    program = load_program(default_program_path())
    ladder = program.version_on(dt.date.today()).tiers_by_rank()
    tiers = {tier.rank: {"code": tier.code, "name": tier.name} for tier in ladder}
    exported = _exported_tables()
    clock = SystemClock()
    catalog = load_preference_catalog()
    catalog_order = {category.code: i for i, category in enumerate(catalog.categories)}

    def tier(rank: int | None) -> dict[str, str]:
        return tiers.get(rank or 0, tiers[ladder[0].rank])

    async def allowed(db: Connection, request: Request[Any, Any, Any]) -> bool:
        return await client_of(db, request.headers.get("authorization")) is not None

    @get("/health", sync_to_thread=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @get("/search")
    async def search(
        request: Request[Any, Any, Any], text: str, first: int = 20, after: str | None = None
    ) -> Response[Any]:
        words = distinct_in_order(normalised(text).split())[:5]
        offset = _uncursor(after) or 0
        conditions, args = [], [dt.date.today()]
        for word in words:
            low, high = prefix_bounds(word)
            args += [low, high]
            conditions.append(
                "EXISTS (SELECT 1 FROM member_search_terms t WHERE t.member_id = m.id "
                f"AND t.term >= ${len(args) - 1} AND t.term < ${len(args)})"
            )
        sql = (
            f"SELECT m.member_number, m.first_name, m.last_name, {HELD_RANK} FROM members m "
            f"WHERE m.merged_into_id IS NULL AND {' AND '.join(conditions) or 'FALSE'} "
            f"ORDER BY m.last_name, m.first_name, m.id LIMIT {first + 1} OFFSET {offset}"
        )
        async with driver.connection() as db:
            if not await allowed(db, request):
                return Response({"errors": [{"message": "Not allowed."}]}, status_code=401)
            rows = await db.fetch(sql, *args)
        nodes = [
            {"memberNumber": r[0], "firstName": r[1], "lastName": r[2], "tier": tier(r[3])}
            for r in rows[:first]
        ]
        page = {"hasNextPage": len(rows) > first, "endCursor": _cursor("search", offset + first)}
        edges = [{"node": node} for node in nodes]
        return Response({"data": {"searchGuests": {"edges": edges, "pageInfo": page}}})

    @get("/ledger/{number:str}")
    async def ledger(
        request: Request[Any, Any, Any], number: str, first: int = 50, after: str | None = None
    ) -> Response[Any]:
        before = _uncursor(after)
        async with driver.connection() as db:
            if not await allowed(db, request):
                return Response({"errors": [{"message": "Not allowed."}]}, status_code=401)
            member = await db.fetchrow(
                "SELECT id, points_balance FROM members WHERE member_number = $1", number
            )
            if member is None:
                return Response({"data": {"guest": None}})
            rows = await db.fetch(
                "SELECT id, kind, points, balance_after, effective_on, description, "
                "uncollected_points FROM ledger_entries WHERE member_id = $1 AND id < $2 "
                f"ORDER BY id DESC LIMIT {first + 1}",
                member[0],
                before if before is not None else 2**62,
            )
        edges = [
            {
                "cursor": _cursor("ledger", r[0]),
                "node": {
                    "kind": r[1],
                    "points": r[2],
                    "balanceAfter": r[3],
                    "effectiveOn": _plain(r[4]),
                    "description": r[5],
                    "uncollectedPoints": r[6],
                },
            }
            for r in rows[:first]
        ]
        end = edges[-1]["cursor"] if edges else None
        page = {"hasNextPage": len(rows) > first, "endCursor": end}
        guest = {"points": {"balance": member[1]}, "ledger": {"edges": edges, "pageInfo": page}}
        return Response({"data": {"guest": guest}})

    @post("/webhooks/card-spend", status_code=200)
    async def card_spend(request: Request[Any, Any, Any]) -> Response[Any]:
        body = await request.body()
        headers = request.headers
        webhook_id = headers.get("webhook-id", "")
        try:
            verify(
                [os.environ.get(CARD_SECRET_ENV, "")],
                webhook_id=webhook_id,
                timestamp=headers.get("webhook-timestamp", ""),
                signature=headers.get("webhook-signature", ""),
                body=body,
                now=dt.datetime.now(dt.UTC),
            )
        except WebhookRefused as refused:
            return Response({"error": str(refused)}, status_code=401)
        spend = msgspec.json.decode(body)
        async with driver.transaction() as db:
            answer = await _credit_card_spend(db, webhook_id, spend)
        if answer is None:
            return Response({"error": "unknown member or already processed"}, status_code=422)
        return Response(answer)

    @get("/export/{number:str}")
    async def export(request: Request[Any, Any, Any], number: str) -> Response[Any]:
        async with driver.connection() as db:
            if not await allowed(db, request):
                return Response({"errors": [{"message": "Not allowed."}]}, status_code=401)
            columns = [c.name for c in Base.metadata.tables["members"].c]
            member = await db.fetchrow(
                f"SELECT {', '.join(columns)} FROM members WHERE member_number = $1", number
            )
            if member is None:
                return Response({"data": {"exportGuestData": None}})
            now = dt.datetime.now(dt.UTC)
            document: dict[str, Any] = {
                "exportedAt": now.isoformat(),
                "member": dict(zip(columns, map(_plain, member), strict=True)),
            }
            for name, table_columns, naming in exported:
                where = " OR ".join(f"{column} = $1" for column in naming)
                rows = await db.fetch(
                    f"SELECT {', '.join(table_columns)} FROM {name} WHERE {where} ORDER BY id",
                    member[0],
                )
                document[name] = [
                    dict(zip(table_columns, map(_plain, row), strict=True)) for row in rows
                ]
            revisions = ("id", "stay_id", "status", "folio", "recorded_at")
            document["stay_revisions"] = [
                dict(zip(revisions, map(_plain, row), strict=True))
                for row in await db.fetch(
                    f"SELECT {', '.join('r.' + c for c in revisions)} FROM stay_revisions r "
                    "JOIN stays s ON s.id = r.stay_id WHERE s.member_id = $1 ORDER BY r.id",
                    member[0],
                )
            ]
        async with driver.transaction() as db:
            await _audit(db, now, "EXPORTED", member[0], number)
        return Response({"data": {"exportGuestData": document}})

    @post("/erase/{number:str}", status_code=200)
    async def erase(request: Request[Any, Any, Any], number: str) -> Response[Any]:
        now = dt.datetime.now(dt.UTC)
        async with driver.transaction() as db:
            if not await allowed(db, request):
                return Response({"errors": [{"message": "Not allowed."}]}, status_code=401)
            member_id = await db.fetchval(
                "SELECT id FROM members WHERE member_number = $1"
                + ("" if driver.is_sqlite else " FOR UPDATE"),
                number,
            )
            if member_id is None:
                return Response({"data": {"eraseGuest": {"erasedAt": None}}})
            await _erase(db, member_id, now)
        return Response({"data": {"eraseGuest": {"erasedAt": now.isoformat()}}})

    def rules_on(day: dt.date) -> ProgramVersion:
        return program.version_on(day)

    def tier_of(
        rules: ProgramVersion, periods: list[StatusPeriod], day: dt.date
    ) -> tuple[Tier, StatusPeriod | None, bool]:
        """The tier held on ``day``, the period that holds it, and whether it is status."""
        period = held_period(periods, day)
        held = (rules.tier(period.tier_code) if period else None) or rules.base_tier
        return held, period, period is not None and held.rank > rules.base_tier.rank

    @get("/profile/{number:str}")
    async def profile(request: Request[Any, Any, Any], number: str) -> Response[Any]:
        async with driver.connection() as db:
            if not await allowed(db, request):
                return Response({"errors": [{"message": "Not allowed."}]}, status_code=401)
            member = await db.fetchrow(
                "SELECT id, points_balance, last_activity_on, time_zone FROM members "
                "WHERE member_number = $1 AND merged_into_id IS NULL",
                number,
            )
            if member is None:
                return Response({"data": {"guest": None}})
            today = local_date(clock, member[3])
            rules = rules_on(today)
            year = qualification_year(today, rules.qualification.year_start_month)
            rows = await db.fetch(STATUS_AND_TOTALS, member[0], year)
            entries = await db.fetch(
                "SELECT id, kind, points, balance_after, occurred_at, effective_on, description "
                "FROM ledger_entries WHERE member_id = $1 ORDER BY id DESC LIMIT 21",
                member[0],
            )
        periods = [_period(row[3:]) for row in rows if row[3] is not None]
        held, period, has_status = tier_of(rules, periods, today)
        totals = YearTotals(int(rows[0][0]), int(rows[0][1]), int(rows[0][2]))
        progress = tier_progress(rules, year, totals, held)
        balance = member[1]
        lifetime = any(p.valid_through is None for p in periods)
        expires = None if lifetime or balance == 0 else points_expire_on(_day(member[2]), rules)
        edges = [
            {
                "node": {
                    "kind": r[1],
                    "points": r[2],
                    "balanceAfter": r[3],
                    "occurredAt": _instant(r[4]),
                    "effectiveOn": _plain(r[5]),
                    "description": r[6],
                }
            }
            for r in entries[:20]
        ]
        end = _cursor("ledger", entries[:20][-1][0]) if entries else None
        following = progress.next_tier
        guest = {
            "tier": {
                "code": held.code,
                "name": held.name,
                "validThrough": _plain(period.valid_through if period and has_status else None),
            },
            "tierProgress": {
                "year": year,
                "qualifyingNights": totals.nights,
                "qualifyingStays": totals.stays,
                "qualifyingBasePoints": totals.base_points,
                "nextTier": {"code": following.code} if following else None,
                "nightsToNextTier": progress.remaining_on(QualifyingPath.NIGHTS),
            },
            "points": {"balance": balance, "expiresOn": _plain(expires)},
            "ledger": {
                "edges": edges,
                "pageInfo": {"hasNextPage": len(entries) > 20, "endCursor": end},
            },
        }
        return Response({"data": {"guest": guest}})

    @get("/arrivals")
    async def arrivals(
        request: Request[Any, Any, Any],
        property_code: Annotated[str, Parameter(query="propertyCode")],
        date: dt.date,
        first: int = 20,
        after: str | None = None,
    ) -> Response[Any]:
        code = property_code.strip().upper()
        kind = f"arrivals-{code}-{date.isoformat()}"
        after_id = _uncursor(after) or 0
        async with driver.connection() as db:
            if not await allowed(db, request):
                return Response({"errors": [{"message": "Not allowed."}]}, status_code=401)
            hotel = await db.fetchrow("SELECT id FROM properties WHERE code = $1", code)
            if hotel is None:
                return Response({"errors": [{"message": f"No property {code}."}]})
            page = await db.fetch(ARRIVALS_PAGE + f" LIMIT {first + 1}", hotel[0], date, after_id)
            shown = page[:first]
            ids = ", ".join(sorted({str(int(row[6])) for row in shown})) or "0"
            rules = rules_on(date)
            periods: dict[int, list[StatusPeriod]] = defaultdict(list)
            for row in await db.fetch(
                "SELECT member_id, tier_code, rank, valid_from, valid_through FROM status_periods "
                f"WHERE member_id IN ({ids}) AND revoked_at IS NULL ORDER BY id"
            ):
                periods[row[0]].append(_period(row[1:]))
            liked: dict[int, list[Row]] = defaultdict(list)
            for row in sorted(
                await db.fetch(
                    "SELECT member_id, category, value, source, property_code, sensitive, "
                    f"confidence FROM preferences WHERE member_id IN ({ids}) ORDER BY id"
                ),
                key=lambda r: catalog_order.get(r[1], len(catalog_order)),
            ):
                liked[row[0]].append(row)
            dates: dict[int, list[Row]] = defaultdict(list)
            for row in await db.fetch(
                "SELECT member_id, kind, happened_on, month, day, greet FROM special_dates "
                f"WHERE member_id IN ({ids}) ORDER BY kind"
            ):
                dates[row[0]].append(row)
            notes: dict[int, list[Row]] = defaultdict(list)
            for row in await db.fetch(
                "SELECT n.member_id, n.text, n.author, n.property_code, n.created_at "
                "FROM staff_notes n JOIN (SELECT id, row_number() OVER (PARTITION BY member_id "
                "ORDER BY id DESC) AS position FROM staff_notes "
                f"WHERE member_id IN ({ids}) AND property_code = $1) r ON r.id = n.id "
                "WHERE r.position <= 5 ORDER BY n.id DESC",
                code,
            ):
                notes[row[0]].append(row)
            earlier = {
                row[0]: int(row[1])
                for row in await db.fetch(
                    "SELECT member_id, count(*) FROM stays WHERE property_id = $1 "
                    f"AND member_id IN ({ids}) AND status IN ('COMPLETED', 'IN_HOUSE') "
                    "AND arrival_date < $2 GROUP BY member_id",
                    hotel[0],
                    date,
                )
            }
            cutoff = dt.datetime.combine(recent_cutoff(rules.complaints, date), dt.time(), dt.UTC)
            complaints: dict[int, list[dict[str, Any]]] = defaultdict(list)
            for row in await db.fetch(
                "SELECT member_id, category, resolved_at FROM complaints "
                f"WHERE member_id IN ({ids}) AND (resolved_at IS NULL OR resolved_at >= $1) "
                "ORDER BY id",
                cutoff,
            ):
                complaints[row[0]].append({"category": row[1], "open": row[2] is None})
        privileges: dict[str, list[dict[str, Any]]] = {}
        edges = []
        for row in shown:
            member_id = row[6]
            arrival, departure = _day(row[2]), _day(row[3])
            held, period, has_status = tier_of(rules, periods[member_id], date)
            if held.code not in privileges:
                privileges[held.code] = [
                    {
                        "code": b.code,
                        "name": b.name,
                        "detail": b.detail,
                        "params": dict(b.params),
                        "options": list(b.options()),
                    }
                    for b in benefits_for(rules, held.code)
                ]
            count = earlier.get(member_id, 0)
            node = {
                "memberNumber": row[7],
                "firstName": row[8],
                "lastName": row[9],
                "language": row[10],
                "tier": {
                    "code": held.code,
                    "name": held.name,
                    "validThrough": _plain(period.valid_through if period and has_status else None),
                },
                "privileges": privileges[held.code],
                "preferences": [
                    {
                        "category": p[1],
                        "value": p[2],
                        "source": p[3],
                        "propertyCode": p[4],
                        "sensitive": bool(p[5]),
                        "confidence": p[6],
                    }
                    for p in liked[member_id]
                ],
                "specialDates": [
                    {
                        "kind": d[1],
                        "date": _plain(d[2]),
                        "fallsOn": falls_on.isoformat(),
                        "greet": bool(d[5]),
                    }
                    for d in dates[member_id]
                    for falls_on in occurrences_within(d[3], d[4], arrival, departure)
                ],
                "staffNotes": [
                    {
                        "text": n[1],
                        "author": n[2],
                        "propertyCode": n[3],
                        "createdAt": _instant(n[4]),
                    }
                    for n in notes[member_id]
                ],
                "firstStayAtProperty": count == 0,
                "earlierStaysAtProperty": count,
                "complaints": complaints[member_id],
                "stay": {
                    "confirmationNumber": row[1],
                    "arrivalDate": arrival.isoformat(),
                    "departureDate": departure.isoformat(),
                    "nights": (departure - arrival).days,
                    "roomType": row[4],
                    "rateCode": row[5],
                },
            }
            edges.append({"cursor": _cursor(kind, row[0]), "node": node})
        info = {
            "hasNextPage": len(page) > first,
            "endCursor": edges[-1]["cursor"] if edges else None,
        }
        return Response({"data": {"arrivals": {"edges": edges, "pageInfo": info}}})

    @post("/stays", status_code=200)
    async def record_stay(request: Request[Any, Any, Any]) -> Response[Any]:
        body = await request.body()
        authorization = request.headers.get("authorization")
        async with driver.connection() as db:
            client = await client_of(db, authorization)
        if client is None:
            return Response({"errors": [{"message": "Not allowed."}]}, status_code=401)
        key_id = (authorization or "").removeprefix("Bearer ").split("_")[1]
        stay = msgspec.json.decode(body)
        now = dt.datetime.now(dt.UTC)
        answer = await driver.run_unit(
            lambda: _recorded_stay(
                stay,
                body,
                scope=f"client:{key_id}",
                actor=(client[1], f"client {client[0]}"),
                now=now,
                locking=not driver.is_sqlite,
            )
        )
        return Response({"data": {"recordStay": answer}})

    async def opened(app: Litestar) -> None:
        await driver.open()

    async def closed(app: Litestar) -> None:
        await driver.close()

    return Litestar(
        route_handlers=[
            health,
            profile,
            arrivals,
            record_stay,
            search,
            ledger,
            card_spend,
            export,
            erase,
        ],
        on_startup=[opened],
        on_shutdown=[closed],
        debug=False,
    )


def _day(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _instant(value: Any) -> str:
    """A stored instant as GraphQL writes it (ISO, UTC); SQLite keeps it as naive text."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    text: str = value.astimezone(dt.UTC).isoformat()
    return text


def _period(row: Row) -> StatusPeriod:
    """(tier_code, rank, valid_from, valid_through) as the tier rules read it."""
    through = None if row[3] is None else _day(row[3])
    return StatusPeriod(row[0], row[1], _day(row[2]), through)


def _recorded_stay(
    stay: dict[str, Any],
    body: bytes,
    *,
    scope: str,
    actor: tuple[str, str],
    now: dt.datetime,
    locking: bool,
) -> Unit[dict[str, Any]]:
    """recordStay's happy path by hand: a completed stay of a member of the base tier,
    credited as the demo program credits it (10 base points per USD of room revenue, one
    sweepstakes entry per night, a survey invitation), with the rows the service writes
    for it: the stay and its revision, the credit, its qualifying row and ledger entry, the
    balance, the audit entry of the points, and the idempotency record. No tier bonus, no
    status change: a stay that crosses a threshold writes a status row in the service."""
    key = stay["idempotencyKey"]
    if locking:  # as the service serialises on the key; SQLite's one writer already does
        yield "SELECT pg_advisory_xact_lock(hashtext($1))", (f"{scope}/recordStay/{key}",)
    done = yield (
        "SELECT result FROM idempotency_records "
        "WHERE scope = $1 AND operation = 'recordStay' AND key = $2",
        (scope, key),
    )
    answer = {"stay": {"status": "COMPLETED"}, "userErrors": []}
    if done:
        return answer
    found = yield (
        "SELECT m.id, m.last_name, m.points_balance, p.id, p.name FROM members m "
        "JOIN properties p ON p.code = $2 WHERE m.member_number = $1"
        + (" FOR UPDATE OF m" if locking else ""),
        (stay["memberNumber"], stay["propertyCode"]),
    )
    if not found or found[0][1] != stay["guestLastName"]:
        return {"stay": None, "userErrors": [{"code": "MEMBER_NOT_FOUND"}]}
    member_id, _, balance, hotel_id, hotel_name = found[0]
    number, confirmation = stay["memberNumber"], stay["confirmationNumber"]
    existing = yield (
        "SELECT id FROM stays WHERE property_id = $1 AND confirmation_number = $2",
        (hotel_id, confirmation),
    )
    if existing:
        return {"stay": None, "userErrors": [{"code": "STAY_EXISTS"}]}
    arrival = dt.date.fromisoformat(stay["arrivalDate"])
    departure = dt.date.fromisoformat(stay["departureDate"])
    nights, revenue = (departure - arrival).days, Decimal(stay["roomRevenue"])
    points = int(revenue) * 10
    folio = {
        "arrival": arrival.isoformat(),
        "departure": departure.isoformat(),
        "rate_code": "BAR",
        "currency": "USD",
        "room": str(revenue),
        "food_and_beverage": "0",
        "other": "0",
    }
    rows = yield (
        "INSERT INTO stays (member_id, property_id, confirmation_number, status, "
        "arrival_date, departure_date, rate_code, currency, room_revenue, "
        "food_and_beverage_revenue, other_revenue, created_at, updated_at, created_by) "
        "VALUES ($1, $2, $3, 'COMPLETED', $4, $5, 'BAR', 'USD', $6, 0, 0, $7, $7, $8) "
        "RETURNING id",
        (member_id, hotel_id, confirmation, arrival, departure, revenue, now, scope),
    )
    stay_id = rows[0][0]
    yield (
        "INSERT INTO stay_revisions (stay_id, status, folio, recorded_at) "
        "VALUES ($1, 'COMPLETED', $2, $3)",
        (stay_id, msgspec.json.encode(folio).decode(), now),
    )
    detail = {
        "folio": folio,
        "eligible_usd": f"{revenue:.2f}",
        "usd_per_unit": "1",
        "tier_at_checkout": "MEMBER",
    }
    rows = yield (
        "INSERT INTO credits (member_id, kind, stay_id, credit_date, program_version, detail, "
        "created_at) VALUES ($1, 'STAY', $2, $3, '2026.1', $4, $5) RETURNING id",
        (member_id, stay_id, departure, msgspec.json.encode(detail).decode(), now),
    )
    credit_id = rows[0][0]
    yield (
        "INSERT INTO qualifying_credits (credit_id, member_id, year, nights, stays, "
        "base_points) VALUES ($1, $2, $3, $4, 1, $5)",
        (credit_id, member_id, departure.year, nights, points),
    )
    description = (
        f"Stay at {hotel_name}, {arrival:%d %b %Y} to {departure:%d %b %Y} ({confirmation})"
    )
    yield (
        "INSERT INTO ledger_entries (member_id, credit_id, kind, points, balance_after, "
        "occurred_at, effective_on, description, uncollected_points) "
        "VALUES ($1, $2, 'EARN', $3, $4, $5, $6, $7, 0)",
        (member_id, credit_id, points, balance + points, now, departure, description),
    )
    yield (
        "UPDATE members SET points_balance = $1, last_activity_on = $2 WHERE id = $3",
        (balance + points, departure, member_id),
    )
    yield (
        "INSERT INTO audit_entries (occurred_at, actor_role, actor, client_id, request_id, "
        "subject, action, member_id, subject_key, before, after) "
        "VALUES ($1, $2, $3, $4, $5, 'points', 'EARN', $6, $7, $8, $9)",
        (
            now,
            actor[0],
            actor[1],
            scope,
            secrets.token_hex(16),
            member_id,
            number,
            msgspec.json.encode({"balance": balance}).decode(),
            msgspec.json.encode({"balance": balance + points, "points": points}).decode(),
        ),
    )
    yield (
        "INSERT INTO sweepstakes_entries (sweepstakes_code, member_id, credit_id, entries, "
        "created_at) VALUES ('NIGHTS2026', $1, $2, $3, $4)",
        (member_id, credit_id, nights, now),
    )
    closes = departure + dt.timedelta(days=14)
    yield (
        "INSERT INTO survey_invitations (member_id, stay_id, property_id, invited_on, "
        "closes_on, state, answers, points, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, '{}', 0, $7)",
        (
            member_id,
            stay_id,
            hotel_id,
            departure,
            closes,
            "OPEN" if closes >= now.date() else "CLOSED",
            now,
        ),
    )
    yield (
        "INSERT INTO idempotency_records (scope, operation, key, request_hash, result, "
        "created_at) VALUES ($1, 'recordStay', $2, $3, $4, $5)",
        (
            scope,
            key,
            hashlib.sha256(body).hexdigest(),
            msgspec.json.encode({"stay_id": stay_id, "member_id": member_id}).decode(),
            now,
        ),
    )
    return answer


async def _credit_card_spend(
    db: Connection, webhook_id: str, spend: dict[str, Any]
) -> dict[str, Any] | None:
    """The rows the service writes for a card-spend webhook: the activity, its credit and
    qualifying row, the ledger entry and balance, the idempotency record and the receipt."""
    seen = await db.fetchval(
        "SELECT id FROM partner_webhooks WHERE partner = 'STAYCARD' AND webhook_id = $1",
        webhook_id,
    )
    member = await db.fetchrow(
        "SELECT id, points_balance, last_name FROM members WHERE member_number = $1",
        spend["member_number"],
    )
    if seen is not None or member is None or member[2] != spend["guest_last_name"]:
        return None
    now, day = dt.datetime.now(dt.UTC), dt.date.fromisoformat(spend["spent_on"])
    points = int(Decimal(spend["amount"]))  # 1 point per USD, the demo program's rule
    activity = await db.fetchval(
        "INSERT INTO activities (member_id, source, kind, amount_usd, partner_points, "
        "occurred_on, qualification_year, reference, description, created_at) "
        "VALUES ($1, 'COBRAND_CARD', 'SPEND', $2, 0, $3, $4, $5, $6, $7) RETURNING id",
        member[0],
        Decimal(spend["amount"]),
        day,
        day.year,
        spend["transaction_id"],
        spend.get("description", ""),
        now,
    )
    credit = await db.fetchval(
        "INSERT INTO credits (member_id, kind, activity_id, credit_date, program_version, "
        "detail, created_at) VALUES ($1, 'ACTIVITY', $2, $3, 'v1', $4, $5) RETURNING id",
        member[0],
        activity,
        day,
        msgspec.json.encode({"points": points}).decode(),
        now,
    )
    await db.execute(
        "INSERT INTO qualifying_credits (credit_id, member_id, year, nights, stays, "
        "base_points) VALUES ($1, $2, $3, 0, 0, 0)",
        credit,
        member[0],
        day.year,
    )
    balance = member[1] + points
    await db.execute(
        "INSERT INTO ledger_entries (member_id, credit_id, kind, points, balance_after, "
        "occurred_at, effective_on, description, uncollected_points) "
        "VALUES ($1, $2, 'EARN', $3, $4, $5, $6, 'Co-brand card spend', 0)",
        member[0],
        credit,
        points,
        balance,
        now,
        day,
    )
    await db.execute(
        "UPDATE members SET points_balance = $1, last_activity_on = $2 WHERE id = $3",
        balance,
        day,
        member[0],
    )
    answer = {"member_number": spend["member_number"], "activity_id": activity}
    await db.execute(
        "INSERT INTO idempotency_records (scope, operation, key, request_hash, result, "
        "created_at) VALUES ('partner:STAYCARD', 'recordActivity', $1, $2, $3, $4)",
        webhook_id,
        secrets.token_hex(32),
        msgspec.json.encode(answer).decode(),
        now,
    )
    answer = {"webhook_id": webhook_id, **answer}
    await db.execute(
        "INSERT INTO partner_webhooks (partner, webhook_id, endpoint, member_id, result, "
        "received_at) VALUES ('STAYCARD', $1, 'card-spend', $2, $3, $4)",
        webhook_id,
        member[0],
        msgspec.json.encode(answer).decode(),
        now,
    )
    return answer


async def _erase(db: Connection, member_id: int, now: dt.datetime) -> None:
    """The service's erasure by hand, but for the scrub of personal values from JSON and
    text columns (it reads every row that names the member; here nothing is read)."""
    for table in PROFILE_TABLES:
        await db.execute(f"DELETE FROM {table} WHERE member_id = $1", member_id)
    await db.execute(
        "UPDATE ledger_entries SET description = kind || ' entry; details erased' "
        "WHERE member_id = $1",
        member_id,
    )
    await db.execute("UPDATE activities SET description = '' WHERE member_id = $1", member_id)
    await db.execute(
        "UPDATE miles_transfers SET frequent_flyer_number = 'erased' WHERE member_id = $1",
        member_id,
    )
    await db.execute("UPDATE audit_entries SET subject_key = '' WHERE member_id = $1", member_id)
    await db.execute(
        "UPDATE complaints SET description = '', resolution = NULL WHERE member_id = $1",
        member_id,
    )
    await db.execute(
        "UPDATE members SET member_number = $1, first_name = 'Erased', last_name = 'Erased', "
        "email = NULL, phone = NULL, phone_key = NULL, home_property_code = NULL, "
        "erased_at = $2 WHERE id = $3",
        "E" + secrets.token_hex(9),
        now,
        member_id,
    )
    await _audit(db, now, "ERASED", member_id, "")


async def _audit(db: Connection, now: dt.datetime, action: str, member_id: int, key: str) -> None:
    await db.execute(
        "INSERT INTO audit_entries (occurred_at, actor_role, actor, client_id, request_id, "
        "subject, action, member_id, subject_key) "
        "VALUES ($1, 'admin', 'bench', 'bench', '-', 'member', $2, $3, $4)",
        now,
        action,
        member_id,
        key,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="PostgreSQL DSN or SQLite path")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument(
        "--per-statement",
        action="store_true",
        help="SQLite: hand each statement of a write to the connection's thread on its own",
    )
    args = parser.parse_args()
    app = build(args.database, per_statement=args.per_statement)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
