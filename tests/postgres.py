"""A real PostgreSQL for the tests: the one of ``TEST_DATABASE_URL``, else a throwaway cluster.

Without ``TEST_DATABASE_URL``, ``PostgresServer.start`` creates a cluster with the server's own
tools (Debian's ``/usr/lib/postgresql/<version>/bin``, else ``initdb``/``pg_ctl`` on the PATH) in
a temporary folder, trust authentication, a free port on 127.0.0.1 and its unix socket in that
folder; durability against a machine crash is off (a test cluster lives minutes).
``shut_down`` and ``start_again`` restart it on the same port with its data (the outage tests).
PostgreSQL refuses to run as root, so as root the folder belongs to the ``postgres`` user and
every tool runs through ``runuser -u postgres --``. ``stop`` shuts it down and removes the
folder. Each pytest-xdist worker starts its own (a session fixture); each test gets a fresh
schema in it.

Where no server can be found or started, the tests that need one are skipped with
``ENABLE_HELP``; ``DEPECHE_REQUIRE_POSTGRES=1`` (set by ``.ci/run``) makes that a failure.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

REQUIRE_ENV = "DEPECHE_REQUIRE_POSTGRES"
URL_ENV = "TEST_DATABASE_URL"
BIN_ENV = "DEPECHE_POSTGRES_BIN"  # the folder of initdb and pg_ctl, where it is not a usual one
ENABLE_HELP = (
    "PostgreSQL tests skipped: {reason}. To run them, install the PostgreSQL server "
    "(Debian: apt-get install postgresql, which provides /usr/lib/postgresql/15/bin; elsewhere "
    f"{BIN_ENV}=the folder of initdb and pg_ctl) or point "
    f"{URL_ENV} at a database where the tests may create schemas "
    f"(postgresql://user@host/db); {REQUIRE_ENV}=1 makes this skip a failure."
)
START_TIMEOUT_S = 120  # pg_ctl's own wait: an upper bound on a busy machine, not a duration


class Unavailable(Exception):
    """No PostgreSQL server for the tests (the reason in words)."""


def required() -> bool:
    return os.environ.get(REQUIRE_ENV, "").strip() not in ("", "0")


def find_bin_dir() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: the newest Debian version, else the PATH's
    (Debian's /usr/bin/pg_ctl is a wrapper; the real tools sit beside ``postgres``), or only
    ``DEPECHE_POSTGRES_BIN`` when it is set."""
    given = os.environ.get(BIN_ENV, "").strip()
    if given:
        folder = Path(given)
        return folder if (folder / "initdb").exists() and (folder / "pg_ctl").exists() else None
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    for folder in reversed(debian):
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    found = shutil.which("initdb")
    return Path(found).parent if found and shutil.which("pg_ctl") else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PostgresServer:
    """A started server, or the one of ``TEST_DATABASE_URL`` (then ``folder`` is None)."""

    url: str  # an administrator's URL: may create and drop schemas
    folder: Path | None = None
    bin_dir: Path | None = None
    as_postgres: bool = False
    options: str = ""  # the server's command-line options (its port), kept for a restart

    @classmethod
    def start(cls) -> PostgresServer:
        given = os.environ.get(URL_ENV, "").strip()
        if given:
            return cls(given)
        bin_dir = find_bin_dir()
        if bin_dir is None:
            raise Unavailable(
                f"no initdb/pg_ctl found (PostgreSQL server not installed, or {BIN_ENV} wrong)"
            )
        as_postgres = os.geteuid() == 0
        if as_postgres and (shutil.which("runuser") is None or not _has_user("postgres")):
            raise Unavailable("running as root without runuser or a postgres user")
        folder = Path(tempfile.mkdtemp(prefix="depeche-pg-"))
        server = cls("", folder, bin_dir, as_postgres)
        try:
            if as_postgres:
                shutil.chown(folder, "postgres", "postgres")
            server._run("initdb", "-D", str(folder / "data"), "-A", "trust", "-U", "postgres",
                        "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")  # fmt: skip
            last_error = ""
            for _ in range(3):  # a free port can be taken between the probe and the start
                port = free_port()
                # fsync off: nothing reaches the disk, but every commit is written to the OS
                # before it returns (synchronous_commit stays on), so an immediate shutdown
                # (a server crash, the outage tests) loses nothing the bot saw committed.
                options = (
                    f"-c listen_addresses=127.0.0.1 -p {port} -k {folder}"
                    " -c fsync=off -c full_page_writes=off"
                    " -c max_connections=100"
                )
                try:
                    server._run("pg_ctl", "-D", str(folder / "data"), "-l",
                                str(folder / "server.log"), "-w", "-t", str(START_TIMEOUT_S),
                                "-o", options, "start")  # fmt: skip
                except Unavailable as exc:
                    last_error = str(exc)
                    continue
                server.url = f"postgresql://postgres@/postgres?host={folder}&port={port}"
                server.options = options
                return server
            raise Unavailable(f"pg_ctl start failed: {last_error}")
        except BaseException:
            server.stop()
            raise

    def _run(self, tool: str, *args: str) -> None:
        assert self.bin_dir is not None
        command = [str(self.bin_dir / tool), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=START_TIMEOUT_S + 30
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise Unavailable(f"{tool}: {exc}") from exc
        if done.returncode != 0:
            log = ""
            if self.folder is not None and (self.folder / "server.log").exists():
                log = (self.folder / "server.log").read_text(errors="replace")[-800:]
            raise Unavailable(f"{tool} exited {done.returncode}: {done.stderr[-800:]} {log}")

    def shut_down(self, mode: str = "fast") -> None:
        """Stop the server and keep its data (a restart, an outage): ``fast`` disconnects the
        clients as a clean restart does, ``immediate`` as a crash does."""
        if self.folder is None:
            raise Unavailable(f"the server of {URL_ENV} is not ours to stop")
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", mode, "-w", "stop")

    def start_again(self) -> None:
        """Start the server ``shut_down`` stopped, on the same port, with the same data."""
        if self.folder is None:
            raise Unavailable(f"the server of {URL_ENV} is not ours to start")
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-l", str(self.folder / "server.log"),
                  "-w", "-t", str(START_TIMEOUT_S), "-o", self.options, "start")  # fmt: skip

    def stop(self) -> None:
        if self.folder is None:
            return
        if (self.folder / "data" / "postmaster.pid").exists():
            with contextlib.suppress(Unavailable):
                self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "-w",
                          "stop")  # fmt: skip
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None

    def schema_url(self, schema: str) -> str:
        """The URL of the server's database with ``schema`` first in the ``search_path``."""
        separator = "&" if "?" in self.url else "?"
        return f"{self.url}{separator}search_path={schema}"


def new_schema_name() -> str:
    return f"t_{uuid.uuid4().hex[:16]}"


def _has_user(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
