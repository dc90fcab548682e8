"""A stop right after start-up is never lost (issue #20, deployment): systemd may send SIGTERM
the moment `vigil serve` says it listens; serve must then shut down gracefully (exit 0, the
audit trail's last checkpoint signed), not hang until SIGKILL."""

from __future__ import annotations

import signal
import subprocess
import time

from conftest import vigil_binary


def test_sigterm_at_once_after_listening_stops_serve(tmp_path):
    for attempt in range(5):
        db = tmp_path / f"vigil-{attempt}.sqlite"
        proc = subprocess.Popen([str(vigil_binary()), "serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", str(db)],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            for line in proc.stdout:
                if line.startswith("http listening"):
                    proc.send_signal(signal.SIGTERM)   # the moment it says so
                    break
            started = time.monotonic()
            assert proc.wait(timeout=10) == 0
            assert time.monotonic() - started < 10
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    # The stop was graceful: the trail ends with a signed checkpoint, so it verifies.
    verify = subprocess.run([str(vigil_binary()), "audit", "verify", "--db", str(db)], capture_output=True, text=True, timeout=10)
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_sigterm_during_start_up_stops_serve(tmp_path):
    """Earlier still: the signal arrives while serve opens its database and loads its rules."""
    proc = subprocess.Popen([str(vigil_binary()), "serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0",
                             "--db", str(tmp_path / "vigil.sqlite")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    try:
        assert proc.wait(timeout=10) in (0, -signal.SIGTERM)   # handled, or ended before serve began catching it
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_sigterm_ends_an_open_event_stream(tmp_path):
    """A dashboard's open `GET /api/v1/stream` (a response that never ends by itself) does not
    hold up SIGTERM: serve ends the stream, closes the socket and exits 0 well within its drain
    timeout (10 s)."""
    import socket

    from conftest import VigilProcess

    proc = VigilProcess(["serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", str(tmp_path / "vigil.sqlite")],
                        ["ocpp", "http"]).start()
    try:
        client = socket.create_connection(("127.0.0.1", proc.port("http")), timeout=10)
        client.sendall(f"GET /api/v1/stream HTTP/1.1\r\nHost: 127.0.0.1:{proc.port('http')}\r\n\r\n".encode())
        received = b""
        while b": connected\n\n" not in received:
            chunk = client.recv(4096)
            assert chunk, received
            received += chunk
        assert received.startswith(b"HTTP/1.1 200 OK\r\n") and b"Content-Type: text/event-stream" in received, received
        assert b"Content-Length" not in received.split(b"\r\n\r\n")[0]
        proc.signal(signal.SIGTERM)
        started = time.monotonic()
        while client.recv(4096):   # the server closes the stream: recv returns b"" (or times out, failing)
            pass
        client.close()
        assert proc.wait(timeout=10) == 0
        assert time.monotonic() - started < 5
    finally:
        proc.close()


def test_a_station_connected_when_serve_crashed_gets_its_disconnect_at_the_next_start(tmp_path):
    """A crash (SIGKILL) leaves no socket close behind: the next start marks the station offline
    and records its `disconnected` event, so the rules stop taking it for connected (no
    station-offline alert, a ladder acting on a station that was not there)."""
    import asyncio
    import json
    import sqlite3

    from conftest import VigilProcess
    from websockets.asyncio.client import connect

    db = tmp_path / "vigil.sqlite"
    args = ["serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", str(db)]
    proc = VigilProcess(args, ["ocpp", "http"]).start()
    try:
        async def boot_and_hold():
            ws = await connect(f"ws://127.0.0.1:{proc.port('ocpp')}/ocpp/CP-CRASH", subprotocols=["ocpp1.6"], open_timeout=10,
                               ping_interval=None)
            await ws.send(json.dumps([2, "b1", "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}]))
            assert json.loads(await asyncio.wait_for(ws.recv(), 10))[2]["status"] == "Accepted"
            proc.signal(signal.SIGKILL)   # the node dies with the charger connected
            proc.wait(timeout=10)
            try:
                await ws.close()
            except Exception:
                pass
        asyncio.run(boot_and_hold())
    finally:
        proc.close()

    def disconnects():
        with sqlite3.connect(db) as reader:
            return [json.loads(row[0]) for row in reader.execute(
                "SELECT json FROM domain_events WHERE station = 'CP-CRASH' AND kind = 'disconnected' ORDER BY id")]

    assert disconnects() == []   # nothing closed the socket: nothing was recorded
    again = VigilProcess(args, ["ocpp", "http"]).start()
    try:
        found = disconnects()
        assert len(found) == 1 and "found at start" in found[0]["fields"]["reason"], found
    finally:
        again.close()
