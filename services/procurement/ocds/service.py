"""OCDS release packages from the database: the framework, one call-off, the change feed."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.procurement.call_off.models import CallOff
from services.procurement.config import Settings
from services.procurement.ocds import feed
from services.procurement.ocds.models import OcdsChange
from services.procurement.ocds.records import call_off_record, from_json
from services.procurement.rules.framework import Framework
from services.procurement.rules.ocds import (
    FrameworkSupplier,
    Publication,
    call_off_release_package,
    framework_release_package,
)
from services.procurement.rules.ocds.common import release_package
from services.procurement.supplier import service as suppliers
from shared.errors import NotFound, RuleViolation

CURSOR_PREFIX = "v1:"


def publication(settings: Settings, published_at: datetime) -> Publication:
    return Publication(publisher_name=settings.ocds_publisher_name,
                       base_uri=settings.ocds_base_uri, ocid_prefix=settings.ocds_ocid_prefix,
                       published_at=published_at)


async def framework_package(session: AsyncSession, *, framework: Framework,
                            settings: Settings, now: datetime) -> dict[str, Any]:
    """The framework's release package with the suppliers as they stand today (the database's
    status in force, not the reference file), published as at their last change."""
    stored = await suppliers.get_all(session, on=now.date())
    standing = []
    for supplier in stored:
        on_the_day = suppliers.standing_on(supplier, now.date())
        standing.append(FrameworkSupplier(
            code=supplier.code, name=supplier.name,
            approved_lists=tuple(supplier.approved_lists), status=on_the_day.status,
            status_since=on_the_day.since))
    changes = [datetime.combine(framework.framework.suppliers_announced_on, time(), UTC)]
    changes += [s.updated_at for s in stored]
    changes += [datetime.combine(s.status_since, time(), UTC) for s in standing
                if s.status_since is not None]
    return framework_release_package(framework, publication(settings, max(changes)), standing)


async def call_off_package(session: AsyncSession, call_off_id: str, *, framework: Framework,
                           settings: Settings, now: datetime) -> dict[str, Any]:
    """A call-off's release package as it stands (bidders named once bidding closed)."""
    call_off = await session.get(CallOff, call_off_id)
    if call_off is None:
        raise NotFound(f"call-off {call_off_id} has not been published")
    record = await call_off_record(session, call_off, now=now)
    return call_off_release_package(framework, record, publication(settings, call_off.updated_at))


async def changes(session: AsyncSession, *, cursor: str | None, limit: int,
                  framework: Framework, settings: Settings) -> dict[str, Any]:
    """Releases after `cursor` in one release package, oldest first (newest last)."""
    after = _decode(cursor)
    rows = list(await feed.after(session, after, limit + 1))
    more, rows = len(rows) > limit, rows[:limit]
    announced = datetime.combine(framework.framework.suppliers_announced_on, time(), UTC)
    published = publication(settings, rows[-1].recorded_at if rows else announced)
    package = release_package("changes", published, {})
    package["releases"] = [_release(framework, row, published) for row in rows]
    package["uri"] = f"{settings.ocds_base_uri.rstrip('/')}/changes?cursor={cursor or ''}"
    return {"cursor": cursor, "next_cursor": _encode(rows[-1].seq if rows else after),
            "has_more": more, "package": package}


def _release(framework: Framework, row: OcdsChange, published: Publication) -> dict[str, Any]:
    """The call-off's release as recorded; its id and date are the change's own."""
    package = call_off_release_package(framework, from_json(row.record), published)
    release: dict[str, Any] = package["releases"][0]
    release["id"] = f"{release['ocid']}-{row.seq}"
    release["date"] = row.recorded_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return release


def _encode(seq: int) -> str:
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{seq}".encode()).decode().rstrip("=")


def _decode(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not text.startswith(CURSOR_PREFIX):
            raise ValueError(text)
        return int(text.removeprefix(CURSOR_PREFIX))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise RuleViolation("the cursor is not one this feed gave out", errors=[
            {"loc": ["query", "cursor"], "msg": "unknown cursor"}]) from None
