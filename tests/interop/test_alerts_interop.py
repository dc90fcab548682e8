"""Webhook alerting end to end: `vigil serve` raises alerts from rules and delivers them to a
receiver on 127.0.0.1 (Python's http.server, independent of Vigil's HTTP code) that verifies
every signature. The receiver goes down, returns 500s, is slow; Vigil is restarted with
alerts in its outbox. Every alert must arrive, none twice under different keys.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import sqlite3
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from conftest import VigilProcess, vigil_binary

STEP = 10.0
SECRET = "interop-secret-0123456789"

RULES = """
- id: fault-alert
  when: { event: statusChanged, where: { to: Faulted }, for: 1s }
  then:
    - alert: { route: oncall, severity: critical, title: "{{station}}/{{connector}} faulted", text: "{{ocppErrorCode}} since {{firstSeen}}" }
"""


class Receiver:
    """A webhook receiver that checks X-Vigil-Signature and records what arrived."""

    def __init__(self, port: int = 0):
        self.received: list[dict] = []
        self.mode = "ok"          # ok | fail | slow
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                signature = dict(part.split("=", 1) for part in self.headers.get("X-Vigil-Signature", "").split(",") if "=" in part)
                expected = hmac.new(SECRET.encode(), f"{signature.get('t', '')}.".encode() + body, hashlib.sha256).hexdigest()
                with receiver.lock:
                    mode = receiver.mode
                    receiver.received.append({"key": self.headers.get("Idempotency-Key"), "body": json.loads(body),
                                              "valid": hmac.compare_digest(expected, signature.get("v1", "")), "mode": mode,
                                              "t": int(signature.get("t", "0"))})
                if mode == "slow":
                    time.sleep(3)
                self.send_response(500 if mode == "fail" else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def delivered(self) -> list[dict]:
        with self.lock:
            return [r for r in self.received if r["mode"] == "ok"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(tmp_path: Path, hook_port: int, give_up: str = "1h", rules_text: str = RULES, extra_config: str = "",
          extra_args=()) -> VigilProcess:
    rules = tmp_path / "rules"
    rules.mkdir(exist_ok=True)
    (rules / "alerts.yaml").write_text(rules_text)
    config = tmp_path / "vigil.yaml"
    config.write_text(f"""
ocpp: 127.0.0.1:0
http: 127.0.0.1:0
db: {tmp_path / 'vigil.sqlite'}
rules: {rules}
alerts:
  giveUpAfter: {give_up}
  routes:
    - name: oncall
      url: http://127.0.0.1:{hook_port}/hook
      format: generic
      secret: {SECRET}
      timeout: 1s
{extra_config}""")
    return VigilProcess(["serve", "--config", str(config), *extra_args], ["ocpp", "http"]).start()


def fault(proc: VigilProcess, station: str, connectors, clear: bool = False):
    async def scenario():
        url = f"ws://127.0.0.1:{proc.port('ocpp')}/ocpp/{station}"
        async with connect(url, subprotocols=["ocpp1.6"], open_timeout=STEP, ping_interval=None) as ws:
            n = 0

            async def call(action, payload):
                nonlocal n
                n += 1
                await ws.send(json.dumps([2, str(n), action, payload]))
                while True:
                    reply = json.loads(await asyncio.wait_for(ws.recv(), STEP))
                    if reply[0] == 2:   # a command from Vigil
                        await ws.send(json.dumps([3, reply[1], {"status": "Accepted"}]))
                        continue
                    return reply

            for connector in connectors:
                await call("StatusNotification", {"connectorId": connector, "errorCode": "InternalError", "status": "Faulted"})
            await asyncio.sleep(1.5)   # the rule's `for: 1s`
            if clear:
                for connector in connectors:
                    await call("StatusNotification", {"connectorId": connector, "errorCode": "NoError", "status": "Available"})
                await asyncio.sleep(0.5)

    asyncio.run(asyncio.wait_for(scenario(), 60))


def wait_for(predicate, what: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def cli(tmp_path, *args):
    return subprocess.run([str(vigil_binary()), *args, "--db", str(tmp_path / "vigil.sqlite")], capture_output=True, text=True, timeout=STEP)


def test_an_alert_is_signed_delivered_and_resolved(tmp_path):
    receiver = Receiver()
    proc = start(tmp_path, receiver.port)
    try:
        fault(proc, "CP-A1", [1], clear=True)
        got = wait_for(lambda: len(receiver.delivered()) >= 2 and receiver.delivered(), "trigger and resolve")
        assert all(r["valid"] for r in got)
        trigger, resolve = got[0]["body"], got[1]["body"]
        assert trigger["version"] == 1 and trigger["event"] == "trigger" and trigger["idempotencyKey"] == got[0]["key"]
        alert = trigger["alert"]
        assert (alert["rule"], alert["target"], alert["station"], alert["connector"], alert["severity"]) == \
               ("fault-alert", "CP-A1/1", "CP-A1", 1, "critical")
        assert alert["title"] == "CP-A1/1 faulted" and alert["text"].startswith("InternalError since ")
        assert resolve["event"] == "resolve" and resolve["alert"]["status"] == "resolved"
        assert abs(got[0]["t"] - time.time()) < 60
        listing = cli(tmp_path, "alerts", "list")
        assert "resolved  [critical]  fault-alert  CP-A1/1" in listing.stdout, listing.stdout
    finally:
        proc.stop()
        receiver.stop()


def test_a_receiver_outage_loses_nothing_and_duplicates_keep_their_key(tmp_path):
    port = free_port()
    proc = start(tmp_path, port)
    try:
        fault(proc, "CP-A2", [1, 2, 3, 4, 5])     # the receiver is down: every attempt fails
        time.sleep(1)
        receiver = Receiver(port)
        try:
            got = wait_for(lambda: len({r["body"]["alert"]["target"] for r in receiver.delivered()}) == 5 and receiver.delivered(),
                           "all five alerts after the outage")
            by_target: dict[str, set] = {}
            for r in receiver.delivered():
                by_target.setdefault(r["body"]["alert"]["target"], set()).add(r["key"])
            assert all(len(keys) == 1 for keys in by_target.values()), by_target
            assert all(r["valid"] for r in got)
        finally:
            receiver.stop()
    finally:
        proc.stop()


def test_500s_and_timeouts_are_retried(tmp_path):
    receiver = Receiver()
    receiver.mode = "fail"
    proc = start(tmp_path, receiver.port)
    try:
        fault(proc, "CP-A3", [1])
        wait_for(lambda: receiver.received, "a first (failed) attempt")
        receiver.mode = "slow"
        wait_for(lambda: any(r["mode"] == "slow" for r in receiver.received), "a timed-out attempt")
        receiver.mode = "ok"
        wait_for(lambda: receiver.delivered(), "the delivery", timeout=40)
        keys = {r["key"] for r in receiver.received}
        assert len(keys) == 1, keys
    finally:
        proc.stop()
        receiver.stop()


def test_alerts_in_the_outbox_survive_a_restart(tmp_path):
    port = free_port()
    proc = start(tmp_path, port)
    try:
        fault(proc, "CP-A4", [1, 2])
        time.sleep(0.5)
    finally:
        assert proc.stop() == 0
    pending = cli(tmp_path, "alerts", "deliveries", "--status", "pending")
    assert pending.stdout.count("pending") == 2, pending.stdout
    receiver = Receiver(port)
    proc = start(tmp_path, port)
    try:
        wait_for(lambda: len(receiver.delivered()) == 2, "both deliveries after the restart", timeout=40)
    finally:
        proc.stop()
        receiver.stop()


def test_dead_letters_retry_and_silences(tmp_path):
    port = free_port()
    proc = start(tmp_path, port, give_up="2s")
    try:
        silenced = cli(tmp_path, "alerts", "silence", "--station", "CP-QUIET", "--for", "1h", "--reason", "site works", "--by", "dana")
        assert silenced.returncode == 0 and "silence #1 in force until" in silenced.stdout, silenced
        fault(proc, "CP-QUIET", [1])
        fault(proc, "CP-A5", [1])
        wait_for(lambda: "dead" in cli(tmp_path, "alerts", "deliveries", "--status", "dead").stdout, "the dead letter", timeout=40)
        receiver = Receiver(port)
        try:
            retried = cli(tmp_path, "alerts", "retry", "--all-dead")
            assert retried.returncode == 0 and "1 delivery queued again" in retried.stdout, retried
            got = wait_for(lambda: receiver.delivered(), "the retried delivery")
            assert {r["body"]["alert"]["station"] for r in got} == {"CP-A5"}   # the silenced one never went out
            listing = cli(tmp_path, "alerts", "list")
            assert "CP-QUIET/1" in listing.stdout   # kept, though silenced
            silences = cli(tmp_path, "alerts", "silences")
            assert "#1  station=CP-QUIET" in silences.stdout and "by dana: site works" in silences.stdout
        finally:
            receiver.stop()
    finally:
        proc.stop()
    # Each view names the audit entries behind its rows and checks them; an edit of the alert
    # tables is reported with exit status 1 (issue #18).
    for view in (("alerts", "list"), ("alerts", "deliveries"), ("alerts", "silences")):
        shown = cli(tmp_path, *view)
        assert shown.returncode == 0 and "[audit #" in shown.stdout and "AUDIT MISMATCH" not in shown.stdout, shown
    delivered = [e for e in json_audit(tmp_path, "--kind", "alert") if e.get("outcome") == "delivered"]
    assert delivered and delivered[0]["station"] == "CP-A5", delivered   # deliveries carry the alert's station now
    db = sqlite3.connect(tmp_path / "vigil.sqlite")
    db.execute("UPDATE alerts SET severity = 'info' WHERE station = 'CP-A5'")
    db.execute("UPDATE alert_outbox SET status = 'dead' WHERE status = 'delivered'")
    db.execute("UPDATE silences SET reason = 'nothing to see' WHERE id = 1")
    db.commit()
    db.close()
    listing = cli(tmp_path, "alerts", "list")
    assert listing.returncode == 1 and "AUDIT MISMATCH: the record's severity is info" in listing.stdout, listing
    deliveries = cli(tmp_path, "alerts", "deliveries")
    assert deliveries.returncode == 1 and "AUDIT MISMATCH: the record says dead; the audit trail says delivered" in deliveries.stdout, deliveries
    silences = cli(tmp_path, "alerts", "silences")
    assert silences.returncode == 1 and "AUDIT MISMATCH: who added the silence or why differs" in silences.stdout, silences


def json_audit(tmp_path, *filters):
    result = cli(tmp_path, "audit", "query", "--json", *filters)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
