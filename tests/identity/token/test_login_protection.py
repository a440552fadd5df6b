"""Rate limiting of sign-in attempts, Argon2id parameters and rehashing on login."""

from __future__ import annotations

import threading
from collections.abc import Callable

import httpx
import pytest

from services.identity.config import Settings
from services.identity.user.models import User
from services.identity.user.passwords import Passwords
from tests.identity.conftest import OpenApp
from tests.identity.helpers import PASSWORD, add_org, add_user, is_problem, password_login


class TestRateLimit:
    async def test_attempts_over_the_limit_answer_429_with_retry_after(
            self, open_identity: OpenApp) -> None:
        async with open_identity(login_rate_limit=3, login_rate_window=60) as h:
            user = await add_user(h.session, await add_org(h.session, "T5NT", "PCT"))
            answers = [await h.client.post("/token", json=password_login(user.username))
                       for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert is_problem(answers[3], 429)
        assert 1 <= int(answers[3].headers["retry-after"]) <= 60

    async def test_the_limit_counts_per_username(self, open_identity: OpenApp) -> None:
        async with open_identity(login_rate_limit=2) as h:
            organisation = await add_org(h.session, "T5NT", "PCT")
            first = await add_user(h.session, organisation)
            second = await add_user(h.session, organisation)
            for _ in range(2):
                await h.client.post("/token", json=password_login(first.username, "x"))
            limited = await h.client.post("/token", json=password_login(first.username))
            other = await h.client.post("/token", json=password_login(second.username))
        assert (limited.status_code, other.status_code) == (429, 200)

    async def test_a_limited_attempt_is_not_checked_so_it_does_not_count_to_lockout(
            self, open_identity: OpenApp) -> None:
        async with open_identity(login_rate_limit=3, lockout_threshold=5) as h:
            user = await add_user(h.session, await add_org(h.session, "T5NT", "PCT"))
            for _ in range(6):
                await h.client.post("/token", json=password_login(user.username, "x"))
            await h.session.refresh(user)
        assert (user.failed_logins, user.locked_until) == (3, None)


def spray_password(n: int) -> dict[str, str]:
    return password_login(f"guess.{n}", "Winter2009!")


def spray_client(n: int) -> dict[str, str]:
    return {"grant_type": "client_credentials", "client_id": f"svc-guess-{n}",
            "client_secret": "Winter2009!", "audience": "assurance"}


class TestAddressRateLimit:
    """Many account names tried from one address: the per-address limit stops the spray."""

    @pytest.mark.parametrize("guess", [spray_password, spray_client],
                             ids=["password", "client_credentials"])
    async def test_spraying_account_names_from_one_address_gets_429(
            self, open_identity: OpenApp, guess: Callable[[int], dict[str, str]]) -> None:
        async with open_identity(login_rate_limit=10, login_ip_rate_limit=4) as h:
            answers = [await h.client.post("/token", json=guess(n)) for n in range(6)]
        assert [a.status_code for a in answers] == [401, 401, 401, 401, 429, 429]
        assert is_problem(answers[4], 429)
        assert 1 <= int(answers[4].headers["retry-after"]) <= 60

    async def test_a_sprayed_account_is_not_checked_once_the_address_is_limited(
            self, open_identity: OpenApp) -> None:
        async with open_identity(login_ip_rate_limit=3) as h:
            organisation = await add_org(h.session, "T5NT", "PCT")
            users = [await add_user(h.session, organisation) for _ in range(5)]
            for user in users:
                await h.client.post("/token", json=password_login(user.username, "Winter2009!"))
            genuine = await h.client.post("/token", json=password_login(users[4].username))
            for user in users:
                await h.session.refresh(user)
        assert genuine.status_code == 429
        assert [u.failed_logins for u in users] == [1, 1, 1, 0, 0]

    async def test_another_address_is_not_held_back(self, open_identity: OpenApp) -> None:
        async with open_identity(login_ip_rate_limit=2) as h:
            user = await add_user(h.session, await add_org(h.session, "T5NT", "PCT"))
            for n in range(3):
                await h.client.post("/token", json=spray_password(n))
            same = await h.client.post("/token", json=password_login(user.username))
            elsewhere_transport = httpx.ASGITransport(app=h.app, client=("10.20.30.40", 50000))
            async with httpx.AsyncClient(base_url="http://identity.test",
                                         transport=elsewhere_transport) as other:
                elsewhere = await other.post("/token", json=password_login(user.username))
        assert (same.status_code, elsewhere.status_code) == (429, 200)

    async def test_successful_sign_ins_do_not_use_up_the_address_allowance(
            self, open_identity: OpenApp) -> None:
        async with open_identity(login_ip_rate_limit=3) as h:
            organisation = await add_org(h.session, "T5NT", "PCT")
            users = [await add_user(h.session, organisation) for _ in range(6)]
            colleagues = [await h.client.post("/token", json=password_login(u.username))
                          for u in users]  # six people behind one gateway address
            spray = [await h.client.post("/token", json=spray_password(n)) for n in range(4)]
        assert [a.status_code for a in colleagues] == [200] * 6
        assert [a.status_code for a in spray] == [401, 401, 401, 429]

    async def test_refreshing_is_not_held_back_by_the_address_limit(
            self, open_identity: OpenApp) -> None:
        async with open_identity(login_ip_rate_limit=2) as h:
            user = await add_user(h.session, await add_org(h.session, "T5NT", "PCT"))
            signed_in = await h.client.post("/token", json=password_login(user.username))
            for n in range(3):
                await h.client.post("/token", json=spray_password(n))
            refreshed = await h.client.post("/token", json={
                "grant_type": "refresh_token", "refresh_token": signed_in.json()["refresh_token"]})
        assert refreshed.status_code == 200


class TestArgon2Parameters:
    async def test_the_defaults_are_the_owasp_argon2id_minimum(self) -> None:
        hashed = await Passwords.from_settings(Settings()).hash(PASSWORD)
        assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")

    async def test_verification_runs_off_the_event_loop(
            self, monkeypatch: pytest.MonkeyPatch) -> None:
        passwords = Passwords(memory_kib=1024, time_cost=1, parallelism=1)
        hashed = await passwords.hash(PASSWORD)
        threads: list[threading.Thread] = []
        original = passwords._verify

        def spy(stored: str | None, secret: str) -> bool:
            threads.append(threading.current_thread())
            return original(stored, secret)

        monkeypatch.setattr(passwords, "_verify", spy)
        assert await passwords.verify(hashed, PASSWORD) is True
        assert threads and threads[0] is not threading.main_thread()

    async def test_an_unknown_account_costs_a_verification_and_fails(self) -> None:
        passwords = Passwords(memory_kib=1024, time_cost=1, parallelism=1)
        assert await passwords.verify(None, "no such account") is False


class TestRehash:
    async def test_a_hash_with_old_parameters_is_upgraded_at_sign_in(
            self, open_identity: OpenApp) -> None:
        async with open_identity(argon2_memory_kib=2048, argon2_time_cost=2) as h:
            user = await add_user(h.session, await add_org(h.session, "T5NT", "PCT"))
            assert "m=1024,t=1" in user.secret_hash
            response = await h.client.post("/token", json=password_login(user.username))
            stored = await h.session.get(User, user.id, populate_existing=True)
        assert response.status_code == 200
        assert stored is not None and "$m=2048,t=2,p=1$" in stored.secret_hash

    async def test_a_failed_attempt_leaves_the_hash_alone(self, open_identity: OpenApp) -> None:
        async with open_identity(argon2_memory_kib=2048) as h:
            user = await add_user(h.session, await add_org(h.session, "T5NT", "PCT"))
            before = user.secret_hash
            await h.client.post("/token", json=password_login(user.username, "wrong one"))
            stored = await h.session.get(User, user.id, populate_existing=True)
        assert stored is not None and stored.secret_hash == before
