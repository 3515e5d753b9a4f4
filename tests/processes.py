"""What tests of the service as a process need: the service under uvicorn in a process
of its own, a PostgreSQL cluster a test can stop and start, a TCP proxy it can cut or
turn into a black hole, and a write lock held from outside the service."""

import asyncio
import contextlib
import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from app import models
from app.database import async_database_url, create_engine
from app.settings import PROJECT_ROOT, Settings

ROOT_KEY = re.compile(r"Root integration key \(shown once, store it now\): (ik_\S+)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# --- the service in a process of its own ------------------------------------------------


@dataclass
class ServiceProcess:
    process: "subprocess.Popen[bytes]"
    base_url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def root_keys(self) -> list[str]:
        """The root keys the processes printed (on a first start)."""
        return ROOT_KEY.findall(self.output())

    def client(self, token: str | None = None, timeout: float = 30) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout)

    def terminate(self) -> int:
        """SIGTERM, then the exit code once the process has finished."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)


@contextlib.contextmanager
def service_process(
    tmp_dir: Path, env: dict[str, str], workers: int = 1, timeout: float = 60
) -> Iterator[ServiceProcess]:
    """`uvicorn app.main:app` with `env` over the environment; ready once every worker
    has started."""
    port = free_port()
    log = tmp_dir / f"service-{port}.log"
    command = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers), "--no-access-log"]
    environment = {**os.environ, "LOG_LEVEL": "WARNING", **env}
    environment.pop("TEST_DATABASE_URL", None)
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
    running = ServiceProcess(process, f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + timeout
        while running.output().count("Application startup complete") < workers:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the service did not start:\n{running.output()}")
            time.sleep(0.05)
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# --- a PostgreSQL cluster of the test's own ----------------------------------------------


def postgres_bin_dir() -> Path | None:
    """The newest installed PostgreSQL's binaries (initdb, pg_ctl), if any."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
    )
    if candidates and Path(candidates[-1], "initdb").exists():
        return Path(candidates[-1])
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class ThrowawayPostgres:
    """A cluster in a temporary folder on a free loopback port, trusting local users.
    initdb refuses to run as root: as root, the cluster runs as the user `postgres`."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="throwaway-postgres-"))
        self.data = self.folder / "data"
        self._user: str | None = None
        if os.geteuid() == 0:
            self._user = "postgres"
            owner = pwd.getpwnam(self._user)
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust")

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin_dir / program), *args]
        if program == "initdb":
            command += ["-E", "UTF8", "--no-locale", "--no-sync"]
        if self._user is not None:
            command = ["runuser", "-u", self._user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def url(self, database: str, port: int | None = None) -> str:
        return f"postgresql://postgres@127.0.0.1:{port or self.port}/{database}"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.folder / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def create_database(self, name: str) -> str:
        async def create() -> None:
            engine = sa_async_engine(self.url("postgres"))
            async with engine.connect() as connection:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                await connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
            await engine.dispose()

        asyncio.run(create())
        return self.url(name)

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


def sa_async_engine(url: str) -> AsyncEngine:
    return create_async_engine(async_database_url(url), poolclass=NullPool)


# --- a TCP proxy the test can cut -------------------------------------------------------


class TcpProxy:
    """Forwards 127.0.0.1:`port` to an upstream port. `cut()` drops every connection and
    refuses new ones, `black_hole()` keeps them open and forwards nothing (a network
    that lost its packets), `restore()` drops what was held and forwards again."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = free_port()
        self.mode = "forward"
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._listen()

    def _listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was closed
            self._track(client)
            if self.mode != "forward":
                continue  # held, never answered
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            self._track(upstream)
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                while self.mode == "black_hole":
                    time.sleep(0.02)
                if self.mode != "forward":
                    break
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def _drop_connections(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def cut(self) -> None:
        self.mode = "cut"
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        self._drop_connections()

    def black_hole(self) -> None:
        self.mode = "black_hole"

    def restore(self) -> None:
        previous, self.mode = self.mode, "restoring"
        self._drop_connections()
        self.mode = "forward"
        if previous == "cut":
            self._listen()

    def close(self) -> None:
        self.cut()


# --- a write lock held from outside the service -----------------------------------------


@contextlib.contextmanager
def integration_locked(database_url: str, integration_id: str) -> Iterator[None]:
    """Hold the write lock a write of the integration needs (its row on PostgreSQL, the
    database's on SQLite) until the block ends; writers wait for it meanwhile."""
    locked, release = threading.Event(), threading.Event()
    failure: list[BaseException] = []

    async def hold() -> None:
        engine = create_engine(Settings(database_url=database_url))
        try:
            async with engine.begin() as connection:
                table: Any = models.Integration
                await connection.execute(
                    sa.update(table).where(table.id == integration_id).values(title=table.title)
                )
                locked.set()
                while not release.is_set():
                    await asyncio.sleep(0.02)
                await connection.rollback()
        finally:
            await engine.dispose()

    def run() -> None:
        try:
            asyncio.run(hold())
        except BaseException as error:
            failure.append(error)
            locked.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    locked.wait(timeout=30)
    if failure:
        raise failure[0]
    try:
        yield
    finally:
        release.set()
        thread.join(timeout=30)


# --- racing clients ---------------------------------------------------------------------

ME = "{ me { id } }"
CREATE = """mutation($input: OrganizationCreateInput!) {
  organizationCreate(input: $input) { organization { id version title } } }"""
CREATE_INTEGRATION = """mutation($input: IntegrationCreateInput!) {
  integrationCreate(input: $input) { integration { id version title } } }"""
UPDATE_INTEGRATION = """mutation($input: IntegrationUpdateInput!) {
  integrationUpdate(input: $input) { integration { id version title } } }"""
READ_INTEGRATION = "query($id: ID!) { integration(id: $id) { id version title } }"


def gql(client: httpx.Client, query: str, variables: dict[str, Any] | None = None) -> Any:
    return client.post("/graphql", json={"query": query, "variables": variables or {}})


def _data(client: httpx.Client, query: str, variables: dict[str, Any]) -> Any:
    response = gql(client, query, variables)
    assert response.status_code == 200 and "errors" not in response.json(), response.text
    return response.json()["data"]


def race_updates(running: ServiceProcess, key: str, clients: int) -> None:
    """`clients` clients, each with a connection of its own, update one new integration
    with the same version at once: exactly one wins, the others get CONFLICT."""
    with running.client(key) as http:
        organization = _data(http, CREATE, {"input": {"title": "Workers"}})["organizationCreate"][
            "organization"
        ]
        created = gql(
            http,
            CREATE_INTEGRATION,
            {"input": {"organizationId": organization["id"], "title": "Contended"}},
        ).json()
        integration = created["data"]["integrationCreate"]["integration"]
    barrier = threading.Barrier(clients, timeout=30)

    def update(index: int) -> Any:
        with running.client(key) as http:
            assert gql(http, ME).status_code == 200  # connected first
            barrier.wait()
            variables = {"input": {"id": integration["id"], "version": 1, "title": f"W{index}"}}
            return gql(http, UPDATE_INTEGRATION, variables).json()

    with ThreadPoolExecutor(max_workers=clients) as pool:
        results = list(pool.map(update, range(clients)))
    winners = [r for r in results if "errors" not in r]
    assert len(winners) == 1, results
    codes = [r["errors"][0]["extensions"]["code"] for r in results if "errors" in r]
    assert codes == ["CONFLICT"] * (clients - 1), results
    with running.client(key) as http:
        final = gql(http, READ_INTEGRATION, {"id": integration["id"]}).json()
    assert final["data"]["integration"] == winners[0]["data"]["integrationUpdate"]["integration"]
    assert final["data"]["integration"]["version"] == 2
