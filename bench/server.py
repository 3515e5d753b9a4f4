"""The service as a user starts it: `uvicorn app.main:app --workers N`, in a process of
its own, and what its worker processes use of memory."""

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.settings import PROJECT_ROOT

UVICORN = Path(sys.executable).with_name("uvicorn")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Memory:
    pid: int
    peak_kib: int
    """VmHWM: the most resident memory the process has had."""
    resident_kib: int
    """VmRSS, now."""


def memory_of(pid: int) -> Memory | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)

    def kib(name: str) -> int:
        return int(fields.get(name, "0 kB").split()[0])

    return Memory(pid, kib("VmHWM"), kib("VmRSS"))


def _children(pid: int) -> list[int]:
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return children


class Server:
    """One uvicorn, started by `start` and stopped by `stop` (SIGTERM, as a process
    manager would; its process group is killed only when it does not exit in time)."""

    def __init__(self, database_url: str, workers: int, log_path: Path) -> None:
        self.database_url = database_url
        self.workers = workers
        self.log_path = log_path
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90.0) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("wb")
        environment = {**os.environ, "DATABASE_URL": self.database_url}
        command = [
            str(UVICORN), "app.main:app", "--host", "127.0.0.1", "--port", str(self.port),
            "--workers", str(self.workers), "--no-access-log",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"uvicorn exited with {self.process.returncode}; see {self.log_path}"
                )
            try:
                answered = httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200
                if answered and len(self.worker_pids()) == self.workers:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"uvicorn did not answer within {timeout:.0f} s; see {self.log_path}")

    def worker_pids(self) -> list[int]:
        """The processes that serve requests: uvicorn itself with one worker, else the
        workers it spawned (not multiprocessing's helpers)."""
        assert self.process is not None
        if self.workers == 1:
            return [self.process.pid]
        workers = []
        for child in _children(self.process.pid):
            try:
                command = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            if b"spawn_main" in command or b"multiprocessing" not in command:
                workers.append(child)
        return workers

    def connections_per_worker(self) -> list[int]:
        """How many established TCP connections each worker holds on the server's port
        (from /proc: each worker's socket inodes against the kernel's TCP tables)."""
        established: set[str] = set()
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            try:
                lines = Path(table).read_text().splitlines()[1:]
            except OSError:
                continue
            for line in lines:
                fields = line.split()
                local_port = int(fields[1].rsplit(":", 1)[1], 16)
                if local_port == self.port and fields[3] == "01":  # ESTABLISHED
                    established.add(fields[9])
        counts = []
        for pid in self.worker_pids():
            held = 0
            for descriptor in Path(f"/proc/{pid}/fd").glob("*"):
                try:
                    target = os.readlink(descriptor)
                except OSError:
                    continue
                if target.startswith("socket:[") and target[8:-1] in established:
                    held += 1
            counts.append(held)
        return counts

    def memory(self) -> list[Memory]:
        return [memory for pid in self.worker_pids() if (memory := memory_of(pid))]

    def stop(self, timeout: float = 30.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)
