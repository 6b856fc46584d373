"""The baseline server of the newer benchmarks: plain Litestar, SQL to the driver, msgspec.

    python bench/raw_server.py --database DSN_OR_SQLITE_PATH --port 8001

Each route answers what its GraphQL operation answers (the same JSON document, ``data``
included), after the same API-key lookup (bench/raw_driver.py); no GraphQL, no ORM, no
service layer:

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
import os
import secrets
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import msgspec
import uvicorn
from litestar import Litestar, Request, Response, get, post

from bench.raw_driver import Connection, Driver, client_of
from staytier.domain.preferences import distinct_in_order, normalised, prefix_bounds
from staytier.domain.webhooks import WebhookRefused, verify
from staytier.program.loader import default_program_path, load_program
from staytier.services.privacy import NOT_EXPORTED, PROFILE_TABLES
from staytier.store.models import Base

HELD_RANK = """(SELECT max(p.rank) FROM status_periods p WHERE p.member_id = m.id
  AND p.revoked_at IS NULL AND p.valid_from <= $1
  AND (p.valid_through IS NULL OR p.valid_through >= $1))"""
CARD_SECRET_ENV = "STAYTIER_STAYCARD_WEBHOOK_SECRET"


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


def build(target: str) -> Litestar:
    driver = Driver(target)
    program = load_program(default_program_path())
    ladder = program.version_on(dt.date.today()).tiers_by_rank()
    tiers = {tier.rank: {"code": tier.code, "name": tier.name} for tier in ladder}
    exported = _exported_tables()

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

    async def opened(app: Litestar) -> None:
        await driver.open()

    async def closed(app: Litestar) -> None:
        await driver.close()

    return Litestar(
        route_handlers=[health, search, ledger, card_spend, export, erase],
        on_startup=[opened],
        on_shutdown=[closed],
        debug=False,
    )


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
    args = parser.parse_args()
    uvicorn.run(build(args.database), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
