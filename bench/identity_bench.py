"""Identity figures: token verification rate in a consuming service, and sign-in latency.

- verification: `TokenVerifier.verify` with `StaticKeys` (what assurance, procurement and market
  do once the JWKS is cached): signature, algorithm, claims. Single task, tokens per second;
  then the same for a token the verifier already remembers (docs/adr/0013-read-path.md).
- sign-in: POST /token (password grant) through httpx's ASGITransport against identity on
  SQLite with the production Argon2id parameters (19 MiB, t=2, p=1), sequentially (latency
  percentiles) and with concurrent callers (throughput: Argon2 runs in worker threads).

`python -m bench.identity_bench` prints JSON; `python -m bench --only identity` runs `run()`.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.foundation import Infra, Result, Target, latency_summary, migrations_of
from services.identity.app import create_app
from services.identity.config import Settings
from services.identity.organisation.models import Organisation
from services.identity.user.models import User
from services.identity.user.passwords import Passwords
from shared.auth import StaticKeys, TokenVerifier
from shared.db import create_engine, create_sessionmaker, session_scope
from shared.migrations import upgrade
from shared.testing.tokens import TokenFactory

PASSWORD = "bench-password-1234"
TARGET_VERIFY = Target(">=", 2000, "tokens/s", "one task, RS256 2048-bit, claims checked")
TARGET_LOGIN = Target("<=", 250, "ms", "p99 of sequential password sign-ins, Argon2id 19 MiB")


async def verification_rate(seconds: float = 2.0, *, remembered: bool = False) -> Result:
    """Access tokens verified per second by one consuming service (one asyncio task).

    By default every call verifies the signature (`cache_size=0`: a token seen for the first
    time); `remembered=True` measures a token the verifier has already checked, the common case
    of a client calling again with the same token."""
    factory = TokenFactory()
    key_set = factory.key_set()  # one object, as RemoteJWKS and KeyStore hold theirs
    verifier = TokenVerifier(StaticKeys(lambda: key_set), issuer=factory.issuer,
                             audience="assurance", cache_size=4096 if remembered else 0)
    token = factory.mint(org_id=str(uuid.uuid4()), org_type="PCT", audience="assurance",
                         roles=["pct_commissioner"], ttl=3600)
    for _ in range(50):  # warm-up
        await verifier.verify(token)
    done, began = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - began) < seconds:
        for _ in range(100):
            await verifier.verify(token)
        done += 100
    if remembered:
        return Result("identity token verification, remembered token", done / elapsed,
                      "tokens/s", None, {"tokens": done, "seconds": round(elapsed, 2)})
    return Result("identity token verification", done / elapsed, "tokens/s", TARGET_VERIFY,
                  {"tokens": done, "seconds": round(elapsed, 2)})


async def login_latency(database_url: str, *, sign_ins: int = 200,
                        concurrency: int = 4) -> Result:
    """p99 of POST /token (password grant) one at a time, and sign-ins/s with concurrency."""
    settings = Settings(database_url=database_url, log_json=False, log_level="WARNING",
                        login_rate_limit=1_000_000)
    username = await _seed_user(settings)
    app = create_app(settings)
    body = {"grant_type": "password", "username": username, "password": PASSWORD,
            "audience": "assurance"}
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://identity.bench") as client:
        await _sign_in(client, body)  # warm-up
        sequential = [await _sign_in(client, body) for _ in range(sign_ins)]
        began = time.perf_counter()
        await asyncio.gather(*(_sign_ins(client, body, sign_ins // concurrency)
                               for _ in range(concurrency)))
        throughput = (sign_ins // concurrency * concurrency) / (time.perf_counter() - began)
    summary = latency_summary(sequential)
    return Result("identity sign-in p99", summary["p99_ms"], "ms", TARGET_LOGIN, {
        **summary, "sign_ins": sign_ins, "backend": "sqlite",
        "argon2": f"m={settings.argon2_memory_kib},t={settings.argon2_time_cost},"
                  f"p={settings.argon2_parallelism}",
        f"sign_ins_per_s_with_{concurrency}_callers": round(throughput, 1)})


async def _sign_in(client: httpx.AsyncClient, body: dict[str, str]) -> float:
    began = time.perf_counter()
    response = await client.post("/token", json=body)
    if response.status_code != 200:
        raise RuntimeError(f"sign-in failed: {response.status_code} {response.text}")
    return time.perf_counter() - began


async def _sign_ins(client: httpx.AsyncClient, body: dict[str, str], count: int) -> None:
    for _ in range(count):
        await _sign_in(client, body)


async def _seed_user(settings: Settings) -> str:
    engine = create_engine(settings.resolved_database_url())
    now = datetime.now(UTC)
    organisation = Organisation(code="5NT", name="Manchester PCT", type="PCT",
                                valid_from=date(2006, 10, 1), version=1, created_at=now,
                                updated_at=now)
    secret_hash = await Passwords.from_settings(settings).hash(PASSWORD)
    async with session_scope(create_sessionmaker(engine)) as session:
        session.add(organisation)
        await session.flush()
        session.add(User(organisation_id=organisation.id, kind="person", username="bench.user",
                         display_name="Bench", secret_hash=secret_hash,
                         roles=["pct_commissioner"], failed_logins=0, version=1,
                         created_by="bench", created_at=now, updated_at=now))
    await engine.dispose()
    return "bench.user"


async def run(infra: Infra) -> list[Result]:
    """Entry point for `python -m bench --only identity`."""
    url = infra.sqlite_url("identity_login", "identity")
    return [await verification_rate(), await verification_rate(remembered=True),
            await login_latency(url)]


async def _standalone() -> list[Result]:
    with tempfile.TemporaryDirectory() as work:
        url = f"sqlite+aiosqlite:///{Path(work) / 'identity.db'}"
        upgrade(migrations_of("identity"), url)
        return [await verification_rate(), await verification_rate(remembered=True),
                await login_latency(url)]


def main() -> None:
    results = asyncio.run(_standalone())
    report: list[dict[str, Any]] = [
        {"name": r.name, "value": round(r.value, 2), "unit": r.unit, "met": r.met,
         "target": str(r.target) if r.target else None, "details": r.details} for r in results]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
