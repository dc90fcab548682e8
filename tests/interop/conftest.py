"""Fixtures that run the real `vigil` binary as a subprocess for interop tests.

The binary is taken from $VIGIL_BIN (default `.build/debug/vigil`, relative to
the repository root).  Every server is started on port 0; the port is read
from the "<name> listening on HOST:PORT" line(s) the binary prints on stdout.
Servers are stopped with SIGTERM, waited for with a timeout and killed if they
do not exit.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

# How long to wait for the "listening on" line(s).
STARTUP_TIMEOUT = float(os.environ.get("VIGIL_STARTUP_TIMEOUT", "20"))
# How long a SIGTERMed server may take to exit before it is killed.
STOP_TIMEOUT = 10.0
# The binary may be missing for a moment while it is being relinked.
BINARY_WAIT = float(os.environ.get("VIGIL_BINARY_WAIT", "120"))

LISTENING_RE = re.compile(r"^(?P<name>\w+) listening on (?P<host>[0-9.]+):(?P<port>\d+)( \(TLS\))?\s*$")


def vigil_binary() -> Path:
    raw = os.environ.get("VIGIL_BIN", ".build/debug/vigil")
    path = Path(raw)
    if not path.is_absolute():
        path = REPO_ROOT / path
    return path


def _wait_for_binary(path: Path) -> None:
    deadline = time.monotonic() + BINARY_WAIT
    while True:
        if path.is_file() and os.access(path, os.X_OK):
            return
        if time.monotonic() >= deadline:
            raise RuntimeError(f"vigil binary not found or not executable: {path} (set VIGIL_BIN)")
        time.sleep(1.0)


# Every VigilProcess of the session, and the scratch directories handed to them, so nothing
# they left in the temporary directory (stderr logs, databases, audit keys) outlives the run.
_PROCESSES: list["VigilProcess"] = []
_SCRATCH_DIRS: list[str] = []


def scratch_dir(prefix: str) -> str:
    """A temporary directory removed when the test session ends."""
    path = tempfile.mkdtemp(prefix=prefix)
    _SCRATCH_DIRS.append(path)
    return path


def pytest_sessionfinish(session, exitstatus):
    for proc in _PROCESSES:
        proc.close()
    for path in _SCRATCH_DIRS:
        shutil.rmtree(path, ignore_errors=True)


class VigilProcess:
    """One running `vigil` subprocess and the ports it announced."""

    def __init__(self, args: list[str], expect: list[str]):
        self.binary = vigil_binary()
        self.args = args
        self.expect = expect
        self.ports: dict[str, int] = {}
        self.stdout_lines: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        # stderr goes to a temp file opened in append mode, read back through
        # a separate descriptor (so reading never moves the child's offset).
        fd, self._stderr_path = tempfile.mkstemp(prefix="vigil-stderr-", suffix=".log")
        os.close(fd)
        self._stderr = open(self._stderr_path, "ab")
        self.proc: subprocess.Popen | None = None
        _PROCESSES.append(self)

    # -- lifecycle -----------------------------------------------------

    def start(self) -> "VigilProcess":
        # The binary can vanish between the check and the exec while it is
        # being rebuilt, so retry the exec a few times as well.
        deadline = time.monotonic() + BINARY_WAIT
        while True:
            _wait_for_binary(self.binary)
            try:
                self.proc = subprocess.Popen(
                    [str(self.binary), *self.args],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=self._stderr,
                    cwd=REPO_ROOT,
                )
                break
            except (FileNotFoundError, PermissionError, OSError):
                if time.monotonic() >= deadline:
                    raise
                time.sleep(1.0)
        # Drain stdout on a thread for the whole life of the process so it can
        # never block on a full pipe.
        threading.Thread(target=self._pump_stdout, daemon=True).start()
        try:
            self._await_listening()
        except BaseException:
            self.close()
            raise
        return self

    def _pump_stdout(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for raw in self.proc.stdout:
            self._lines.put(raw.decode("utf-8", "replace").rstrip("\r\n"))
        self._lines.put(None)

    def _await_listening(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while any(name not in self.ports for name in self.expect):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.stop()
                raise RuntimeError(
                    f"vigil {' '.join(self.args)} did not announce {self.expect} within "
                    f"{STARTUP_TIMEOUT}s; stdout={self.stdout_lines!r} stderr={self.stderr_text()!r}"
                )
            try:
                line = self._lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                rc = self.proc.wait(timeout=STOP_TIMEOUT) if self.proc else None
                raise RuntimeError(
                    f"vigil {' '.join(self.args)} exited (rc={rc}) before listening; "
                    f"stdout={self.stdout_lines!r} stderr={self.stderr_text()!r}"
                )
            self.stdout_lines.append(line)
            m = LISTENING_RE.match(line)
            if m:
                self.ports[m.group("name")] = int(m.group("port"))

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def wait(self, timeout: float) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout=timeout)

    def stop(self) -> int | None:
        """SIGTERM, wait up to STOP_TIMEOUT, then SIGKILL.  Returns the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=STOP_TIMEOUT)
        return self.proc.returncode

    def stderr_text(self) -> str:
        try:
            with open(self._stderr_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def close(self) -> None:
        """Stops the process and deletes its stderr log (idempotent)."""
        self.stop()
        self._stderr.close()
        try:
            os.unlink(self._stderr_path)
        except OSError:
            pass

    # -- convenience ---------------------------------------------------

    def port(self, name: str) -> int:
        return self.ports[name]


def start_echo() -> VigilProcess:
    return VigilProcess(["echo", "--listen", "127.0.0.1:0"], ["echo"]).start()


def start_serve() -> VigilProcess:
    # Each serve process gets a database of its own, so runs never share state.
    db = os.path.join(scratch_dir("vigil-interop-"), "vigil.sqlite")
    return VigilProcess(
        ["serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", db], ["ocpp", "http"]
    ).start()


def _checked(proc: VigilProcess):
    """Yield the process to one test, then fail that test if the server died."""
    yield proc
    if not proc.alive():
        pytest.fail(
            f"vigil {' '.join(proc.args)} is no longer running after this test "
            f"(rc={proc.proc.returncode if proc.proc else None}); stderr:\n{proc.stderr_text()}"
        )


@pytest.fixture(scope="module")
def _echo_process():
    proc = start_echo()
    try:
        yield proc
    finally:
        proc.close()


@pytest.fixture(scope="module")
def _serve_process():
    proc = start_serve()
    try:
        yield proc
    finally:
        proc.close()


@pytest.fixture
def echo_server(_echo_process):
    """A shared `vigil echo` process; the test fails if it crashed during the test."""
    yield from _checked(_echo_process)


@pytest.fixture
def serve_server(_serve_process):
    """A shared `vigil serve` process; the test fails if it crashed during the test."""
    yield from _checked(_serve_process)


@pytest.fixture
def vigil_factory():
    """Start private vigil processes (e.g. for tests that shut them down)."""
    started: list[VigilProcess] = []

    def make(kind: str) -> VigilProcess:
        proc = start_echo() if kind == "echo" else start_serve()
        started.append(proc)
        return proc

    try:
        yield make
    finally:
        for proc in started:
            proc.close()


@contextlib.asynccontextmanager
async def charge_point(proc: "VigilProcess", name: str, version: str = "ocpp1.6", cls=None, step: float = 10.0):
    """A Python `ocpp` charge point named `name` connected to `proc`'s OCPP port, its reader
    running for the duration of the block (1.6 or 2.0.1 by `version`; `cls` overrides the
    ChargePoint class, e.g. one with handlers for the server's calls)."""
    import asyncio

    import ocpp.v16
    import ocpp.v201
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    url = f"ws://127.0.0.1:{proc.port('ocpp')}/ocpp/{name}"
    async with connect(url, subprotocols=[version], open_timeout=step, close_timeout=2, ping_interval=None) as ws:
        kind = cls or (ocpp.v16.ChargePoint if version == "ocpp1.6" else ocpp.v201.ChargePoint)
        cp = kind(name, ws, response_timeout=step)
        reader = asyncio.create_task(cp.start())
        try:
            yield cp
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionClosed, Exception):
                await asyncio.wait_for(reader, step)
