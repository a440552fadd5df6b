"""The throwaway PostgreSQL cluster: real server, real SQLAlchemy/asyncpg, real crashes."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from shared.testing import postgres
from shared.testing.postgres import PostgresCluster, find_pg_bin


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[PostgresCluster]:
    """A cluster of the test's own, for tests that stop or crash it."""
    pg = PostgresCluster(tmp_path / "pg")
    pg.start()
    yield pg
    pg.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresCluster]:
    """One cluster for the tests that only create databases (initdb costs about a second)."""
    pg = PostgresCluster(tmp_path_factory.mktemp("pg"))
    pg.start()
    yield pg
    pg.close()


async def add_note(url: str, body: str) -> None:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE IF NOT EXISTS note (id serial, body text)"))
            await conn.execute(text("INSERT INTO note (body) VALUES (:body)"), {"body": body})
    finally:
        await engine.dispose()


async def notes(url: str) -> list[str]:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            result = await conn.execute(text("SELECT body FROM note ORDER BY id"))
            return list(result.scalars())
    finally:
        await engine.dispose()


async def setting(pg: PostgresCluster, name: str) -> str:
    conn = await asyncpg.connect(pg.admin_url())
    try:
        return str(await conn.fetchval(f"SHOW {name}"))
    finally:
        await conn.close()


def database_dsn(pg: PostgresCluster, name: str) -> str:
    return pg.admin_url().rsplit("/", 1)[0] + f"/{name}"


def fake_bindir(path: Path) -> Path:
    path.mkdir(parents=True)
    for program in ("initdb", "pg_ctl", "postgres"):
        (path / program).write_text("#!/bin/sh\n")
        (path / program).chmod(stat.S_IRWXU)
    return path


class TestFindPgBin:
    def test_finds_the_installed_server_programs(self) -> None:
        bindir = find_pg_bin()
        assert (bindir / "initdb").is_file()
        assert (bindir / "pg_ctl").is_file()

    def test_pg_bin_wins(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        monkeypatch.setenv("PG_BIN", str(fake_bindir(tmp_path / "custom")))
        assert find_pg_bin() == tmp_path / "custom"

    def test_a_pg_bin_without_initdb_is_an_error(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        monkeypatch.setenv("PG_BIN", str(tmp_path))
        with pytest.raises(RuntimeError, match="PG_BIN"):
            find_pg_bin()

    def test_newest_debian_version_is_chosen_when_pg_config_has_no_server(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        # Debian's libpq-dev ships a pg_config that answers /usr/bin, where no initdb lives.
        client_only = tmp_path / "path"
        client_only.mkdir()
        pg_config = client_only / "pg_config"
        pg_config.write_text(f"#!/bin/sh\necho {client_only}\n")
        pg_config.chmod(stat.S_IRWXU)
        for version in ("9.6", "15", "16"):
            fake_bindir(tmp_path / "lib" / version / "bin")
        monkeypatch.delenv("PG_BIN", raising=False)
        monkeypatch.setenv("PATH", str(client_only))
        monkeypatch.setattr(postgres, "_DEBIAN_ROOT", tmp_path / "lib")
        assert find_pg_bin() == tmp_path / "lib" / "16" / "bin"

    def test_says_what_to_install_when_nothing_is_found(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        monkeypatch.delenv("PG_BIN", raising=False)
        monkeypatch.setenv("PATH", str(tmp_path))
        monkeypatch.setattr(postgres, "_DEBIAN_ROOT", tmp_path / "nothing")
        with pytest.raises(RuntimeError, match=r"apt-get install -y postgresql"):
            find_pg_bin()


class TestDatabases:
    async def test_a_row_written_through_sqlalchemy_reads_back(
        self, server: PostgresCluster
    ) -> None:
        url = server.create_database("assurance")
        assert url == f"postgresql+asyncpg://postgres@127.0.0.1:{server.port}/assurance"
        await add_note(url, "rated green")
        assert await notes(url) == ["rated green"]

    async def test_two_databases_do_not_see_each_other(self, server: PostgresCluster) -> None:
        alpha = server.create_database("alpha")
        beta = server.create_database("beta")
        await add_note(alpha, "alpha's row")
        with pytest.raises(ProgrammingError, match="does not exist"):
            await notes(beta)
        await add_note(beta, "beta's row")
        assert await notes(alpha) == ["alpha's row"]
        assert await notes(beta) == ["beta's row"]

    async def test_create_database_replaces_one_that_is_in_use(
        self, server: PostgresCluster
    ) -> None:
        url = server.create_database("market")
        await add_note(url, "stale")
        holder = await asyncpg.connect(database_dsn(server, "market"))
        try:
            assert server.create_database("market") == url
        finally:
            await holder.close()
        with pytest.raises(ProgrammingError, match="does not exist"):
            await notes(url)

    def test_databases_can_be_made_and_dropped_outside_an_event_loop(
        self, server: PostgresCluster
    ) -> None:
        server.create_database("procurement")
        server.drop_database("procurement")
        server.drop_database("procurement")  # dropping a missing database is not an error
        with pytest.raises(asyncpg.InvalidCatalogNameError):
            postgres._run_coroutine(lambda: asyncpg.connect(database_dsn(server, "procurement")))

    def test_recreate_database_keeps_the_admin_url_credentials(
        self, server: PostgresCluster
    ) -> None:
        admin = server.admin_url().replace("postgres@", "postgres:unused@")
        url = postgres.recreate_database(admin, "identity")
        assert url == f"postgresql+asyncpg://postgres:unused@127.0.0.1:{server.port}/identity"

    @pytest.mark.parametrize("name", ["postgres", "template1", 'x"; DROP DATABASE y; --', ""])
    def test_refuses_names_that_would_hurt_the_server(self, tmp_path: Path, name: str) -> None:
        never_started = PostgresCluster(tmp_path)
        with pytest.raises(ValueError, match="invalid test database name"):
            never_started.create_database(name)
        with pytest.raises(ValueError, match="invalid test database name"):
            never_started.drop_database(name)


class TestServer:
    async def test_listens_on_loopback_tcp_only_with_the_fast_settings(
        self, server: PostgresCluster
    ) -> None:
        assert server.admin_url() == f"postgresql://postgres@127.0.0.1:{server.port}/postgres"
        assert await setting(server, "listen_addresses") == "127.0.0.1"
        assert await setting(server, "unix_socket_directories") == ""
        assert await setting(server, "max_connections") == "300"
        assert await setting(server, "fsync") == "off"
        assert await setting(server, "full_page_writes") == "off"
        # Kept on: costs nothing with fsync off, and kill() must not lose acknowledged commits.
        assert await setting(server, "synchronous_commit") == "on"
        hba = (server.data_dir / "pg_hba.conf").read_text().splitlines()
        assert [line for line in hba if not line.startswith("#")] == [
            "host all all 127.0.0.1/32 trust"
        ]

    @pytest.mark.skipif(os.geteuid() != 0, reason="only root needs a different server user")
    def test_the_server_does_not_run_as_root(self, server: PostgresCluster) -> None:
        status = Path(f"/proc/{server.pid}/status").read_text()
        real_uid = next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1]
        assert real_uid != "0"

    def test_two_clusters_run_side_by_side_on_their_own_ports(self, tmp_path: Path) -> None:
        with PostgresCluster(tmp_path / "a") as a, PostgresCluster(tmp_path / "b") as b:
            assert a.port != b.port
            assert a.pid != b.pid
            a.create_database("same_name")
            b.create_database("same_name")


class TestFaults:
    async def test_restart_keeps_the_data_and_the_port(self, cluster: PostgresCluster) -> None:
        url = cluster.create_database("assurance")
        await add_note(url, "before restart")
        port, pid = cluster.port, cluster.pid
        cluster.restart()
        assert (cluster.port, cluster.running) == (port, True)
        assert cluster.pid != pid
        assert await notes(url) == ["before restart"]

    async def test_kill_9_then_restart_recovers_every_committed_row(
        self, cluster: PostgresCluster
    ) -> None:
        url = cluster.create_database("procurement")
        for i in range(50):
            await add_note(url, f"committed {i}")
        pid = cluster.pid
        assert pid is not None

        cluster.kill()

        assert not cluster.running
        assert not postgres._alive(pid)
        with pytest.raises(OSError):
            await asyncpg.connect(cluster.admin_url(), timeout=5)
        cluster.restart()
        assert await notes(url) == [f"committed {i}" for i in range(50)]
        assert "automatic recovery in progress" in cluster.log_path.read_text()

    def test_stop_is_safe_twice_and_the_log_stays_in_base_dir(self, tmp_path: Path) -> None:
        with PostgresCluster(tmp_path / "pg") as pg:
            pid = pg.pid
            assert pid is not None
        assert not pg.running
        assert not postgres._alive(pid)
        pg.stop()
        pg.stop()
        assert pg.log_path.parent == tmp_path / "pg"
        assert "database system is shut down" in pg.log_path.read_text()

    def test_start_fails_loudly_when_a_given_port_is_taken(
        self, server: PostgresCluster, tmp_path: Path
    ) -> None:
        clash = PostgresCluster(tmp_path / "clash", port=server.port)
        with pytest.raises(RuntimeError, match="did not start"):
            clash.start(timeout=20)
        clash.close()
        assert server.running
