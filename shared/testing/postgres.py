"""A throwaway PostgreSQL cluster for tests: initdb, start, stop, crash and restart.

The cluster listens on 127.0.0.1 only (no Unix socket) with trust authentication, and trades
durability against an operating-system crash for speed (fsync, full_page_writes off). Commits
stay synchronous, so a committed row survives ``kill()``: only the OS page cache would lose it.

PostgreSQL refuses to run as root. When the harness runs as root, the server programs run as an
unprivileged OS user (``$PG_TEST_OS_USER``, default ``postgres``, created if missing).
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import datetime as dt
import math
import os
import pwd
import re
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg

__all__ = ["PostgresCluster", "drop_database", "find_pg_bin", "recreate_database"]

SUPERUSER = "postgres"
HOST = "127.0.0.1"
STOP_MODES = ("smart", "fast", "immediate")
_SERVER_PROGRAMS = ("initdb", "pg_ctl", "postgres")
_MISSING = "PostgreSQL server binaries not found: apt-get install -y postgresql"
_DEBIAN_ROOT = Path("/usr/lib/postgresql")
_DB_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,62}$")
_RESERVED_DBS = frozenset({"postgres", "template0", "template1"})
_BIND_ERRORS = ("could not bind", "Address already in use", "could not create any TCP/IP sockets")
_USERADD_FLAGS = "--system --user-group --no-create-home --home-dir /nonexistent --shell /bin/false"
_INITDB_FLAGS = "--auth=trust --encoding=UTF8 --locale=C --no-sync --no-instructions"
_T = TypeVar("_T")


def _is_server_bindir(path: Path) -> bool:
    return all(os.access(path / prog, os.X_OK) for prog in _SERVER_PROGRAMS)


def _version_key(bindir: Path) -> tuple[int, ...]:
    digits = re.findall(r"\d+", bindir.parent.name)
    return tuple(int(d) for d in digits) or (-1,)


def find_pg_bin() -> Path:
    """Return the directory holding initdb, pg_ctl and postgres.

    Looks at ``$PG_BIN``, then ``pg_config --bindir``, then ``/usr/lib/postgresql/*/bin``
    (newest first), then ``initdb`` on ``$PATH``.
    """
    explicit = os.environ.get("PG_BIN")
    if explicit:
        if _is_server_bindir(Path(explicit)):
            return Path(explicit)
        raise RuntimeError(f"PG_BIN={explicit} does not hold {', '.join(_SERVER_PROGRAMS)}")
    pg_config = shutil.which("pg_config")
    if pg_config:
        # Debian's libpq-dev pg_config answers /usr/bin, which has no initdb: hence the check.
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(  # noqa: S603 - fixed argv, no shell
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            ).stdout.strip()
            if out and _is_server_bindir(Path(out)):
                return Path(out)
    for bindir in sorted(_DEBIAN_ROOT.glob("*/bin"), key=_version_key, reverse=True):
        if _is_server_bindir(bindir):
            return bindir
    initdb = shutil.which("initdb")
    if initdb and _is_server_bindir(Path(initdb).resolve().parent):
        return Path(initdb).resolve().parent
    raise RuntimeError(_MISSING)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _check_db_name(name: str) -> None:
    if not _DB_NAME.match(name) or name in _RESERVED_DBS:
        raise ValueError(f"invalid test database name {name!r}")


def _run_coroutine(factory: Callable[[], Awaitable[_T]]) -> _T:
    """Run a coroutine to completion from sync code, even inside a running event loop."""

    async def main() -> _T:
        return await factory()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(main())
    # A loop is running in this thread: asyncio.run would refuse, so use a fresh thread.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result()


# ---- processes (Linux /proc) ------------------------------------------------------------------


def _proc_state(pid: int) -> str | None:
    """Kernel state letter of pid, or None when it does not exist."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    except OSError:
        return "?"
    return raw.rsplit(")", 1)[1].split()[0]


def _alive(pid: int) -> bool:
    """True when pid runs; a zombie counts as dead."""
    if Path("/proc/self").exists():
        return _proc_state(pid) not in (None, "Z", "X")
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _reap(pid: int) -> None:
    # If we are PID 1 (or a subreaper) the orphaned postmaster is our child: collect the zombie.
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def _wait_gone(pids: Sequence[int], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        for pid in pids:
            _reap(pid)
        if not any(_alive(pid) for pid in pids):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)


# ---- the unprivileged OS user -----------------------------------------------------------------


def _server_os_user() -> pwd.struct_passwd | None:
    """The account that runs initdb/pg_ctl: None means "this process's own user"."""
    if os.geteuid() != 0:
        return None
    name = os.environ.get("PG_TEST_OS_USER", "postgres")
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    subprocess.run(  # noqa: S603 - fixed argv, no shell
        [useradd, *_USERADD_FLAGS.split(), name],
        capture_output=True,
        check=False,
    )
    try:  # a concurrent test process may have created it first: either way it must exist now
        return pwd.getpwnam(name)
    except KeyError:
        raise RuntimeError(f"could not create OS user {name!r} to run PostgreSQL") from None


def _can_traverse(path: Path, user: pwd.struct_passwd) -> bool:
    """Can user reach path (search permission on it and every ancestor)? ACLs are ignored."""
    gids = set(os.getgrouplist(user.pw_name, user.pw_gid))
    for part in [path, *path.parents]:
        try:
            st = part.stat()
        except OSError:
            return False
        if st.st_uid == user.pw_uid:
            allowed = st.st_mode & stat.S_IXUSR
        elif st.st_gid in gids:
            allowed = st.st_mode & stat.S_IXGRP
        else:
            allowed = st.st_mode & stat.S_IXOTH
        if not allowed:
            return False
    return True


# ---- databases through an admin URL -----------------------------------------------------------


def _async_url(admin_url: str, name: str) -> str:
    parts = urlsplit(admin_url)
    if parts.scheme.split("+")[0] not in ("postgresql", "postgres"):
        raise ValueError(f"not a PostgreSQL URL: {parts.scheme}://...")
    return urlunsplit(("postgresql+asyncpg", parts.netloc, f"/{name}", parts.query, ""))


def _admin_execute(admin_url: str, *statements: str) -> None:
    parts = urlsplit(admin_url)
    dsn = urlunsplit(("postgresql", *parts[1:]))  # asyncpg wants the plain libpq scheme

    async def execute() -> None:
        conn = await asyncpg.connect(dsn, timeout=30)
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()

    _run_coroutine(execute)


def recreate_database(admin_url: str, name: str) -> str:
    """Drop (closing its connections) and create database name on the server of admin_url.

    admin_url is a libpq URL of a superuser's connection (postgresql://u:p@host:port/postgres);
    the answer is the new database's SQLAlchemy async URL with the same credentials.
    """
    _check_db_name(name)
    quoted = _quote_ident(name)
    _admin_execute(
        admin_url, f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)", f"CREATE DATABASE {quoted}"
    )
    return _async_url(admin_url, name)


def drop_database(admin_url: str, name: str) -> None:
    """Drop database name (closing its connections); no error when it does not exist."""
    _check_db_name(name)
    _admin_execute(admin_url, f"DROP DATABASE IF EXISTS {_quote_ident(name)} WITH (FORCE)")


# Clusters still running, and scratch data directories, are cleaned up when the process exits.
_LIVE: set[PostgresCluster] = set()
_SCRATCH: set[Path] = set()


@atexit.register
def _clean_up_at_exit() -> None:
    for cluster in list(_LIVE):
        with contextlib.suppress(Exception):
            cluster.stop(mode="immediate")
    for scratch in list(_SCRATCH):
        shutil.rmtree(scratch, ignore_errors=True)


class PostgresCluster:
    """One PostgreSQL cluster under base_dir; see the module docstring."""

    def __init__(self, base_dir: Path, port: int | None = None) -> None:
        self.base_dir = Path(base_dir).absolute()
        self.log_path = self.base_dir / "postgres.log"
        self._port = port
        self._auto_port = port is None
        self._bin: Path | None = None
        self._user = _server_os_user()
        self._scratch: Path | None = None
        self._data_dir: Path | None = None
        self._started_once = False
        self.start_seconds: float | None = None  # wall time of the last start(), for reports

    # -- properties -----------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None:
            self._port = _free_port()
        return self._port

    @property
    def data_dir(self) -> Path:
        if self._data_dir is None:
            self._data_dir = self._prepare_data_dir()
        return self._data_dir

    @property
    def pid(self) -> int | None:
        """The postmaster's pid while it runs, else None."""
        pid = self._pidfile_pid()
        return pid if pid is not None and _alive(pid) else None

    @property
    def running(self) -> bool:
        return self.pid is not None

    def admin_url(self) -> str:
        return f"postgresql://{SUPERUSER}@{HOST}:{self.port}/postgres"

    def url(self, name: str) -> str:
        """SQLAlchemy async URL of database name (which need not exist)."""
        return f"postgresql+asyncpg://{SUPERUSER}@{HOST}:{self.port}/{name}"

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self, timeout: float = 60) -> None:
        """initdb on first use, then start the server and wait until it accepts connections."""
        if self.running:
            return
        began = time.monotonic()
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()
        self._drop_stale_pidfile()
        for _attempt in range(5):
            self._write_settings()
            offset = self.log_path.stat().st_size if self.log_path.exists() else 0
            self._note(f"starting on {HOST}:{self.port}")
            with self._log() as log:
                done = self._run(
                    ["pg_ctl", "start", "-w", "-t", str(math.ceil(timeout)), "-D", self.data_dir],
                    log,
                    timeout=timeout + 30,
                )
            if done.returncode == 0 and self.running:
                break
            tail = self._log_since(offset)
            if self._auto_port and not self._started_once and any(e in tail for e in _BIND_ERRORS):
                self._port = _free_port()  # another process took the port we picked: pick again
                continue
            raise RuntimeError(f"PostgreSQL did not start (log {self.log_path}):\n{tail[-4000:]}")
        else:
            raise RuntimeError(f"PostgreSQL found no free port (log {self.log_path})")
        self._started_once = True
        _LIVE.add(self)
        self.start_seconds = time.monotonic() - began
        self._note(f"started in {self.start_seconds:.2f}s, pid {self.pid}")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (pg_ctl stop -m mode); does nothing when it is not running."""
        if mode not in STOP_MODES:
            raise ValueError(f"stop mode must be one of {STOP_MODES}, not {mode!r}")
        pid = self.pid
        if pid is None:
            _LIVE.discard(self)
            return
        self._note(f"stopping ({mode})")
        with self._log() as log:
            self._run(
                ["pg_ctl", "stop", "-w", "-t", "60", "-m", mode, "-D", self.data_dir],
                log,
                timeout=90,
            )
        if not _wait_gone([pid], 10):
            raise RuntimeError(f"PostgreSQL (pid {pid}) did not stop; see {self.log_path}")
        _LIVE.discard(self)

    def restart(self, mode: str = "fast") -> None:
        """Stop (with mode) and start again: same data directory, same port."""
        self.stop(mode)
        self.start()

    def kill(self) -> None:
        """Crash the server: SIGKILL the postmaster and every server process it started.

        Committed transactions survive (the OS keeps the written WAL); start() then runs crash
        recovery.
        """
        pid = self.pid
        if pid is None:
            return
        self._note(f"SIGKILL postmaster {pid} and its children")
        os.kill(pid, signal.SIGSTOP)  # no new children between listing and killing them
        victims = [pid, *_children(pid)]
        for victim in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(victim, signal.SIGKILL)
        if not _wait_gone(victims, 10):
            raise RuntimeError(f"PostgreSQL processes {victims} survived SIGKILL")
        _LIVE.discard(self)

    def close(self, mode: str = "fast") -> None:
        """Stop, and remove the scratch data directory if one was made outside base_dir."""
        try:
            self.stop(mode)
        finally:
            if self._scratch is not None:
                shutil.rmtree(self._scratch, ignore_errors=True)
                _SCRATCH.discard(self._scratch)
                self._scratch = None
                self._data_dir = None

    def __enter__(self) -> PostgresCluster:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- databases ------------------------------------------------------------------------------

    def create_database(self, name: str) -> str:
        """(Re)create database name, empty, and return its SQLAlchemy async URL."""
        _check_db_name(name)
        self._require_running()
        return recreate_database(self.admin_url(), name)

    def drop_database(self, name: str) -> None:
        """Drop database name (closing its connections); no error when it does not exist."""
        _check_db_name(name)
        self._require_running()
        drop_database(self.admin_url(), name)

    def _require_running(self) -> None:
        if not self.running:
            raise RuntimeError("the PostgreSQL cluster is not running: call start() first")

    # -- internals ------------------------------------------------------------------------------

    def _prepare_data_dir(self) -> Path:
        self.base_dir.mkdir(parents=True, exist_ok=True)
        link = self.base_dir / "data"
        if link.is_symlink():  # made earlier for the same base_dir
            if link.resolve().is_dir():
                return link.resolve()
            link.unlink()  # its scratch directory was removed when that process ended
        user = self._user
        if user is None or _can_traverse(self.base_dir, user):
            link.mkdir(mode=0o700, exist_ok=True)
            if user is not None:
                os.chown(link, user.pw_uid, user.pw_gid)
            return link
        # The server user cannot reach base_dir (pytest's tmp_path lives under a 0700 directory
        # owned by root), so the data lives in a private scratch directory, linked from base_dir.
        self._scratch = Path(tempfile.mkdtemp(prefix="pgcluster-"))
        _SCRATCH.add(self._scratch)
        os.chown(self._scratch, user.pw_uid, user.pw_gid)
        if not _can_traverse(self._scratch, user):
            raise RuntimeError(f"OS user {user.pw_name} cannot reach {self._scratch}")
        data = self._scratch / "data"
        data.mkdir(mode=0o700)
        os.chown(data, user.pw_uid, user.pw_gid)
        link.symlink_to(data, target_is_directory=True)
        self._note(f"data directory {data} (base_dir is not reachable by {user.pw_name})")
        return data

    def _initdb(self) -> None:
        self._note(f"initdb {self.data_dir} with {self._pg_bin()}")
        with self._log() as log:
            done = self._run(
                ["initdb", "-D", self.data_dir, "-U", SUPERUSER, *_INITDB_FLAGS.split()],
                log,
                timeout=120,
            )
        if done.returncode != 0:
            raise RuntimeError(
                f"initdb failed (log {self.log_path}):\n{self._log_since(0)[-4000:]}"
            )
        conf = self.data_dir / "postgresql.conf"
        with conf.open("a") as fh:
            fh.write("\ninclude 'harness.conf'\n")
        # Only TCP on loopback, trust for anyone there; no Unix socket, so no local line at all.
        (self.data_dir / "pg_hba.conf").write_text(
            "# written by shared.testing.postgres\nhost all all 127.0.0.1/32 trust\n"
        )

    def _write_settings(self) -> None:
        settings = {
            "listen_addresses": f"'{HOST}'",
            "port": str(self.port),
            "unix_socket_directories": "''",
            "max_connections": "300",
            "fsync": "off",
            "full_page_writes": "off",
            # Off buys nothing once fsync is off, and would lose acknowledged commits on kill().
            "synchronous_commit": "on",
            "timezone": "'UTC'",
            "jit": "off",
            "log_line_prefix": "'%m [%p] %q%u@%d '",
        }
        path = self.data_dir / "harness.conf"
        path.write_text("".join(f"{key} = {value}\n" for key, value in settings.items()))
        if self._user is not None:
            os.chown(path, self._user.pw_uid, self._user.pw_gid)

    def _drop_stale_pidfile(self) -> None:
        # After kill() an unreaped zombie can keep the old pid "in use" for PostgreSQL's check.
        pid = self._pidfile_pid()
        if pid is not None and not _alive(pid):
            with contextlib.suppress(FileNotFoundError):
                (self.data_dir / "postmaster.pid").unlink()

    def _pidfile_pid(self) -> int | None:
        if self._data_dir is None and not (self.base_dir / "data").exists():
            return None
        try:
            first = (self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0]
            return int(first)
        except (OSError, ValueError):
            return None

    def _pg_bin(self) -> Path:
        if self._bin is None:
            self._bin = find_pg_bin()
        return self._bin

    def _run(
        self, argv: Sequence[str | Path], log: IO[str], timeout: float
    ) -> subprocess.CompletedProcess[bytes]:
        """Run a server program as the server OS user, output appended to the log.

        The log file is opened here and inherited, so the server user needs no access to
        base_dir; the postmaster keeps writing its log through the same descriptor.
        """
        program, *args = argv
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        extra: dict[str, Any] = {}
        if self._user is not None:
            env["HOME"] = self._user.pw_dir
            extra = {"user": self._user.pw_uid, "group": self._user.pw_gid, "extra_groups": []}
        log.flush()
        return subprocess.run(  # noqa: S603 - argv of a PostgreSQL program, no shell
            [str(self._pg_bin() / str(program)), *map(str, args)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd="/",
            env=env,
            timeout=timeout,
            check=False,
            **extra,
        )

    @contextlib.contextmanager
    def _log(self) -> Iterator[IO[str]]:
        self.base_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("a", encoding="utf-8") as fh:
            yield fh

    def _note(self, message: str) -> None:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        with self._log() as fh:
            fh.write(f"{stamp} UTC [harness] {message}\n")

    def _log_since(self, offset: int) -> str:
        try:
            with self.log_path.open("rb") as fh:
                fh.seek(offset)
                return fh.read().decode("utf-8", "replace")
        except OSError:
            return ""
