"""SIGTERM to an API process (what `docker compose stop` sends): requests in flight finish."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from shared.testing.kafka import free_port
from shared.testing.workers import REPO, eventually, service_env
from tests.shared.helpers import locked, waiting_for


@pytest.fixture
def procurement_api(fresh_database: Callable[[str], str],
                    tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str, str, Path]]:
    """`uvicorn --factory services.procurement.app:create_app` as its own process."""
    url = fresh_database("procurement")
    port = free_port()
    env = service_env("procurement", database_url=url, log_json="false",
                      kafka_bootstrap_servers="127.0.0.1:9", identity_url="http://127.0.0.1:9")
    log = tmp_path / "uvicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "services.procurement.app:create_app",
             "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield process, f"http://127.0.0.1:{port}", url, log
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


class TestGracefulShutdown:
    async def test_sigterm_lets_the_request_in_flight_finish_and_refuses_new_ones(
            self, procurement_api: tuple[subprocess.Popen[bytes], str, str, Path]) -> None:
        process, base_url, url, log = procurement_api
        async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
            async def up() -> bool:
                try:
                    return (await client.get("/healthz")).status_code == 200
                except httpx.TransportError:
                    return process.poll() is not None  # exited: fail below, not by timeout

            await eventually(up, timeout=60, message="uvicorn to answer /healthz")
            assert process.poll() is None, log.read_text()

            async with locked(url, "supplier"):
                # The framework's open data reads the supplier table: it waits for the lock.
                in_flight = asyncio.create_task(client.get("/ocds/framework"))
                await eventually(lambda: waiting_for(url, "supplier"), timeout=30,
                                 message="the request to wait for the supplier table")
                process.send_signal(signal.SIGTERM)
                await eventually(lambda: _logged(log, "Shutting down"), timeout=30,
                                 message="uvicorn to start shutting down")
                async with httpx.AsyncClient(base_url=base_url, timeout=5) as newcomer:
                    with pytest.raises(httpx.ConnectError):
                        await newcomer.get("/healthz")
                assert not in_flight.done()
                assert process.poll() is None  # still waiting for the request
            response = await in_flight

        assert response.status_code == 200, response.text
        assert "tender" in response.json()["releases"][0]["tag"]  # the whole package
        returncode = await asyncio.to_thread(process.wait, 30)
        # uvicorn shuts down cleanly (lifespan shutdown ran), then re-raises the SIGTERM it
        # caught so that the process ends the way a SIGTERM'd process is expected to end:
        # -15 here, 143 as a container's exit code. Anything else is a crash or a kill.
        assert returncode == -signal.SIGTERM, log.read_text()
        assert await _logged(log, "Finished server process"), log.read_text()


async def _logged(log: Path, text: str) -> bool:
    return text in log.read_text(errors="replace")
