"""Several `vigil serve` nodes on one PostgreSQL database (issue #22): a station belongs to one
node at a time through its lease. Driven by the Python `websockets` and `ocpp` packages against
two real serve processes on a scratch PostgreSQL server (`make test` starts one through
scripts/postgres-scratch and passes it as VIGIL_TEST_POSTGRES_URL).

- A station connecting to a second node takes its lease over: the first node closes its socket
  at once (1001), and the station stays online — the first node's disconnect does not mark it
  offline.
- A command or a configuration read asked of the node that does not hold the station travels to
  the one that does (node_requests + LISTEN/NOTIFY) and the station's answer comes back.
- `/api/v1/health` names the node, the node running the remediation and the stations it serves.
- An approval sent to a node that does not run the remediation is carried to the one that does,
  and the ladder it paused goes on.
- A node killed with SIGKILL: its stations reconnect to the other node, which serves them.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timezone

import pytest
import ocpp.v16
import ocpp.v16.call as call16
import ocpp.v16.call_result as result16
from ocpp.routing import on
from websockets.asyncio.client import connect

from conftest import VigilProcess, vigil_binary
from test_api_auth_interop import RULES as APPROVAL_RULES

BASE_URL = os.environ.get("VIGIL_TEST_POSTGRES_URL", "")
STEP = 10.0

pytestmark = pytest.mark.skipif(
    not BASE_URL and os.environ.get("VIGIL_REQUIRE_POSTGRES") != "1",
    reason="no PostgreSQL server: run through scripts/postgres-scratch run (make test does)",
)


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@pytest.fixture
def database():
    """A schema of its own in the scratch database; the URL puts it first on the search path."""
    assert BASE_URL, "VIGIL_REQUIRE_POSTGRES=1 but VIGIL_TEST_POSTGRES_URL is not set"
    assert shutil.which("psql"), "psql (postgresql-client) is needed to make the test's schema"
    schema = "cluster_" + uuid.uuid4().hex[:8]
    subprocess.run(["psql", BASE_URL, "-q", "-c", f"CREATE SCHEMA {schema}"], check=True, timeout=STEP, capture_output=True)
    separator = "&" if "?" in BASE_URL else "?"
    yield f"{BASE_URL}{separator}options=-csearch_path%3D{schema}"


def node(db: str, name: str, key, *extra: str) -> VigilProcess:
    return VigilProcess(["serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", db, "--node-id", name,
                         "--audit-key", str(key), *extra], ["ocpp", "http"]).start()


def station(db: str, ident: str) -> dict:
    run = subprocess.run([str(vigil_binary()), "stations", "show", ident, "--json", "--db", db],
                         capture_output=True, text=True, timeout=STEP)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def wait_for(condition, seconds: float = STEP, what: str = "condition"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class ResettableChargePoint(ocpp.v16.ChargePoint):
    """Answers the central system's Reset and records it."""

    resets: list[str]

    @on("Reset")
    def on_reset(self, type, **kwargs):
        self.resets.append(type)
        return result16.Reset(status="Accepted")

    @on("GetConfiguration")
    def on_get_configuration(self, key=None, **kwargs):
        known = {"HeartbeatInterval": "300", "AuthorizationKey": "0123456789abcdef"}
        return result16.GetConfiguration(
            configuration_key=[{"key": k, "readonly": False, "value": known[k]} for k in (key or known) if k in known],
            unknown_key=[k for k in (key or []) if k not in known])


def command(proc: VigilProcess, ident: str, body: dict) -> tuple[int, dict]:
    return post(proc, f"/api/v1/stations/{ident}/commands", body)


def post(proc: VigilProcess, path: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{proc.port('http')}{path}",
                                     data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=STEP * 2) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def health(proc: VigilProcess) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{proc.port('http')}/api/v1/health", timeout=STEP) as reply:
        return json.loads(reply.read())


class Charger:
    """One charger's WebSocket to one node, with the Python `ocpp` charge point reading it."""

    def __init__(self, proc: VigilProcess, ident: str):
        self.url = f"ws://127.0.0.1:{proc.port('ocpp')}/ocpp/{ident}"
        self.ident = ident

    async def __aenter__(self):
        self.ws = await connect(self.url, subprotocols=["ocpp1.6"], open_timeout=STEP, close_timeout=2, ping_interval=None)
        self.cp = ResettableChargePoint(self.ident, self.ws, response_timeout=STEP)
        self.cp.resets = []
        self.reader = asyncio.create_task(self.cp.start())
        return self

    async def __aexit__(self, *exc):
        self.reader.cancel()
        await self.ws.close()

    async def boot(self):
        reply = await self.cp.call(call16.BootNotification(charge_point_vendor="ABB", charge_point_model="Terra"), suppress=False)
        assert reply.status == "Accepted"
        await self.cp.call(call16.StatusNotification(connector_id=1, error_code="NoError", status="Available", timestamp=now()),
                           suppress=False)

    async def closed_by_server(self, seconds: float = 5.0):
        await asyncio.wait_for(self.ws.wait_closed(), seconds)
        return self.ws.close_code, self.ws.close_reason


def test_a_station_connecting_to_a_second_node_moves_there_and_stays_online(database, tmp_path):
    key = tmp_path / "audit.key"
    a = node(database, "node-a", key)
    b = node(database, "node-b", key)
    try:
        async def scenario():
            async with Charger(a, "CP-MOVE") as first:
                await first.boot()
                assert station(database, "CP-MOVE")["online"] is True
                async with Charger(b, "CP-MOVE") as second:
                    await second.boot()
                    # Node a hears the takeover (LISTEN/NOTIFY) and closes its socket at once.
                    code, reason = await first.closed_by_server()
                    assert code == 1001, (code, reason)
                    assert "another node" in reason
                    # Still served, by b: a's disconnect did not mark it offline.
                    await asyncio.sleep(0.5)
                    assert station(database, "CP-MOVE")["online"] is True
                    await second.cp.call(call16.Heartbeat(), suppress=False)
                    # Health says which node this is, which one decides, and how many stations each serves.
                    assert health(b)["node"] == {"id": "node-b", "runsRemediation": False, "remediationNode": "node-a",
                                                 "leasedStations": 1}, health(b)
                    assert health(a)["node"] == {"id": "node-a", "runsRemediation": True, "remediationNode": "node-a",
                                                 "leasedStations": 0}, health(a)
                # b's connection ends: now the station is offline.
            wait_for(lambda: station(database, "CP-MOVE")["online"] is False, what="CP-MOVE offline after its last connection")

        asyncio.run(scenario())
        assert "station now served by another node" in a.stderr_text()
        assert "station taken over from another node" in b.stderr_text()
    finally:
        a.close()
        b.close()


def test_stations_of_a_node_killed_with_sigkill_are_served_by_the_other(database, tmp_path):
    key = tmp_path / "audit.key"
    a = node(database, "node-a", key)
    b = node(database, "node-b", key)
    try:
        async def scenario():
            async with Charger(b, "CP-KILL") as charger:
                await charger.boot()
                b.signal(signal.SIGKILL)
                b.wait(STEP)
                await charger.closed_by_server()
            # The charger comes back on the node still running; b's lease (killed, unreleased) is taken over.
            async with Charger(a, "CP-KILL") as charger:
                await charger.boot()
                await charger.cp.call(call16.Heartbeat(), suppress=False)
                assert station(database, "CP-KILL")["online"] is True

        asyncio.run(scenario())
        assert "station taken over from another node" in a.stderr_text()
    finally:
        a.close()
        b.close()


def test_a_command_asked_of_the_other_node_reaches_the_station(database, tmp_path):
    key = tmp_path / "audit.key"
    a = node(database, "node-a", key)
    b = node(database, "node-b", key)
    try:
        async def scenario():
            async with Charger(b, "CP-FAR") as charger:
                await charger.boot()
                loop = asyncio.get_running_loop()
                # Asked of a, which has no connection to the station: b sends it, the answer comes back.
                status, body = await loop.run_in_executor(None, command, a, "CP-FAR", {"command": "reset", "type": "soft", "by": "dana"})
                assert status == 200, body
                assert body["outcome"] == "accepted", body
                assert charger.cp.resets == ["Soft"]
                # A configuration read travels the same way; a secret value comes back redacted.
                request = urllib.request.Request(f"http://127.0.0.1:{a.port('http')}/api/v1/stations/CP-FAR/configuration"
                                                 "?key=HeartbeatInterval,AuthorizationKey")
                reply = await loop.run_in_executor(None, lambda: urllib.request.urlopen(request, timeout=STEP * 2))
                settings = {row["key"]: row["value"] for row in json.loads(reply.read())["settings"]}
                assert settings == {"HeartbeatInterval": "300", "AuthorizationKey": "«redacted, 16 chars»"}, settings
            # A station no node serves is not connected, on either node.
            status, body = await asyncio.get_running_loop().run_in_executor(None, command, a, "CP-FAR", {"command": "reset", "by": "dana"})
            assert status != 200 and body["outcome"] == "not connected", body

        asyncio.run(scenario())
        assert "command handed to the node serving the station" in a.stderr_text()
    finally:
        a.close()
        b.close()


def test_an_approval_sent_to_a_standby_reaches_the_remediation_node(database, tmp_path):
    key = tmp_path / "audit.key"
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "approval.yaml").write_text(APPROVAL_RULES)   # ask-before-reset: approve, then reset
    a = node(database, "node-a", key, "--rules", str(rules))
    wait_for(lambda: "this node runs the remediation" in a.stderr_text(), what="node-a running the remediation")
    b = node(database, "node-b", key, "--rules", str(rules))
    try:
        async def scenario():
            async with Charger(b, "CP-APPROVE") as charger:
                await charger.boot()
                await charger.cp.call(call16.StatusNotification(connector_id=1, error_code="InternalError", status="Faulted",
                                                                timestamp=now()), suppress=False)
                loop = asyncio.get_running_loop()
                approval = {"rule": "ask-before-reset", "target": "CP-APPROVE/1", "approved": True, "by": "dana"}
                # Asked of b (a standby) until a's ladder waits for it: then carried to a, which resets.
                deadline = time.monotonic() + STEP
                while True:
                    status, body = await loop.run_in_executor(None, post, b, "/api/v1/approvals", approval)
                    if status != 409 or time.monotonic() > deadline:
                        break
                    await asyncio.sleep(0.2)
                assert status == 202 and body["status"] == "approval submitted on node node-a", (status, body)
                for _ in range(100):
                    if charger.cp.resets:
                        break
                    await asyncio.sleep(0.1)
                assert charger.cp.resets == ["Soft"]
                # The ladder no longer waits: the same approval again is refused, through b as well.
                status, body = await loop.run_in_executor(None, post, b, "/api/v1/approvals", approval)
                assert status == 409 and body["code"] == "not_awaiting_approval", (status, body)

        asyncio.run(scenario())
        assert "approval handed to node node-a" in b.stderr_text()
        # Audited once, where it took effect, naming the node that was asked.
        run = subprocess.run([str(vigil_binary()), "audit", "query", "--kind", "operator", "--action", "approve", "--json",
                              "--db", database], capture_output=True, text=True, timeout=STEP)
        assert run.returncode == 0, run.stderr
        entries = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]   # JSON lines
        assert len(entries) == 1, run.stdout
        assert "asked of node node-b" in json.dumps(entries[0]), entries[0]
    finally:
        a.close()
        b.close()
