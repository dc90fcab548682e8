"""Three `vigil serve` nodes on one PostgreSQL database, the remediation on one of them
(issue #22), driven by Python `ocpp` charge points and a webhook receiver:

- a fault on a station connected to a node that does not run the remediation is decided by the
  node that does, and its Reset travels to the station's node;
- that node is killed with SIGKILL while the ladder waits for the reset's verification: another
  node takes the remediation over, replays what was decided, and the ladder goes on there (the
  connector is disabled) — and the ladder's alert reaches on-call once;
- a station of the killed node, mid-session, reconnects to another node and its session ends
  there with the transaction id it was given.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import subprocess
import time

import ocpp.v16
import ocpp.v16.call as call16
import ocpp.v16.call_result as result16
from ocpp.routing import on
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from conftest import VigilProcess, vigil_binary
from test_alerts_interop import SECRET, Receiver
from test_cluster_interop import database, pytestmark  # noqa: F401  (fixture, skip marker)
from test_remediation_interop import until

STEP = 10.0

RULES = """
- id: reset-then-disable
  when: { event: statusChanged, where: { to: Faulted, ocppErrorCode: InternalError } }
  then:
    - reset: soft
      verify: { status: Available, within: 3s }
    - disableConnector: true
    - alert: { route: oncall, severity: critical, text: "{{station}}/{{connector}} stuck. Tried: {{attempts}}" }
  limits: { cooldown: 1s }
"""


class ScriptedCharger(ocpp.v16.ChargePoint):
    """Accepts a Reset, reboots and reports the connector Faulted again (the reset did not help);
    accepts ChangeAvailability; records both."""

    received: list[tuple[str, dict]]

    @on("Reset")
    def on_reset(self, **kwargs):
        self.received.append(("Reset", kwargs))
        asyncio.get_running_loop().create_task(self.reboot())
        return result16.Reset(status="Accepted")

    async def reboot(self):
        await asyncio.sleep(0.3)
        await self.call(call16.BootNotification(charge_point_vendor="Acme", charge_point_model="X1"))
        await self.call(call16.StatusNotification(connector_id=1, error_code="InternalError", status="Faulted"))

    @on("ChangeAvailability")
    def on_change_availability(self, **kwargs):
        self.received.append(("ChangeAvailability", kwargs))
        return result16.ChangeAvailability(status="Accepted")


@contextlib.asynccontextmanager
async def charger(proc: VigilProcess, station: str):
    url = f"ws://127.0.0.1:{proc.port('ocpp')}/ocpp/{station}"
    async with connect(url, subprotocols=["ocpp1.6"], open_timeout=STEP, close_timeout=2, ping_interval=None) as ws:
        cp = ScriptedCharger(station, ws, response_timeout=STEP)
        cp.received = []
        reader = asyncio.create_task(cp.start())
        try:
            reply = await cp.call(call16.BootNotification(charge_point_vendor="Acme", charge_point_model="X1"), suppress=False)
            assert reply.status == "Accepted"
            yield cp
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionClosed, Exception):
                await asyncio.wait_for(reader, STEP)


def node(tmp_path, db: str, name: str, hook_port: int) -> VigilProcess:
    rules = tmp_path / "rules"
    rules.mkdir(exist_ok=True)
    (rules / "rules.yaml").write_text(RULES)
    config = tmp_path / f"{name}.yaml"
    config.write_text(f"""
ocpp: 127.0.0.1:0
http: 127.0.0.1:0
db: {db}
nodeId: {name}
rules: {rules}
auditKey: {tmp_path / 'audit.key'}
commandTimeout: 5
alerts:
  routes:
    - name: oncall
      url: http://127.0.0.1:{hook_port}/hook
      format: generic
      secret: {SECRET}
      timeout: 2s
""")
    return VigilProcess(["serve", "--config", str(config)], ["ocpp", "http"]).start()


def vigil(db: str, *args) -> str:
    run = subprocess.run([str(vigil_binary()), *args, "--db", db], capture_output=True, text=True, timeout=STEP)
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_a_node_killed_mid_ladder_hands_the_remediation_over_and_nothing_is_lost(database, tmp_path):
    receiver = Receiver()
    a = node(tmp_path, database, "node-a", receiver.port)
    nodes = [a]
    try:
        # a starts first and takes the remediation; b and c stand by.
        deadline = time.monotonic() + STEP
        while "this node runs the remediation" not in a.stderr_text():
            assert time.monotonic() < deadline, a.stderr_text()
            time.sleep(0.1)
        b = node(tmp_path, database, "node-b", receiver.port)
        c = node(tmp_path, database, "node-c", receiver.port)
        nodes += [b, c]
        vigil(database, "tokens", "add", "CARD-1")

        async def scenario():
            async with charger(b, "CP-FAULT") as faulty, charger(a, "CP-SESSION") as driver:
                start = await driver.call(call16.StartTransaction(connector_id=1, id_tag="CARD-1", meter_start=1000,
                                                                  timestamp="2026-12-06T08:00:00.000Z"), suppress=False)
                assert start.id_tag_info["status"] == "Accepted"
                transaction = start.transaction_id
                # The fault is reported to b; a decides; the Reset reaches the station through b.
                await faulty.call(call16.StatusNotification(connector_id=1, error_code="InternalError", status="Faulted"),
                                  suppress=False)
                await until(lambda: any(name == "Reset" for name, _ in faulty.received), "the Reset from the remediation node")
                # a dies while the ladder waits for the reset's verification (3 s).
                a.signal(signal.SIGKILL)
                a.wait(STEP)
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(driver._connection.wait_closed(), STEP)
                # Another node takes the remediation over (a's role expires after 15 s) and the ladder goes on.
                await until(lambda: any(name == "ChangeAvailability" for name, _ in faulty.received),
                            "the ladder's next rung on the node that took over", timeout=45)
                assert [name for name, _ in faulty.received].count("Reset") == 1, faulty.received
            # The driver's station reconnects to c and ends its session with the id a gave it.
            async with charger(c, "CP-SESSION") as driver:
                stop = await driver.call(call16.StopTransaction(transaction_id=transaction, meter_stop=4000,
                                                                timestamp="2026-12-06T08:30:00.000Z"), suppress=False)
                assert stop.id_tag_info is None or stop.id_tag_info["status"] == "Accepted"
            return transaction

        transaction = asyncio.run(asyncio.wait_for(scenario(), 120))
        sessions = json.loads(vigil(database, "sessions", "list", "--station", "CP-SESSION", "--json"))
        ended = [s for s in sessions if transaction in (s.get("id"), s.get("transactionRef"), str(s.get("transactionRef")))]
        assert len(ended) == 1, (transaction, sessions)
        assert ended[0]["active"] is False and ended[0].get("energyWh") == 3000, ended
        # One alert, delivered once, whichever node's dispatcher took it.
        deadline = time.monotonic() + 20
        while not receiver.delivered() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(2)
        delivered = receiver.delivered()
        assert len(delivered) == 1, delivered
        assert "CP-FAULT/1 stuck" in json.dumps(delivered[0]["body"])
        taken = [n for n in (b, c) if "this node runs the remediation" in n.stderr_text()]
        assert len(taken) == 1, "exactly one standby took the remediation over"
    except BaseException:
        for proc in nodes:   # what each node logged, for the failure report
            print(f"--- {proc.args[-1]} stderr ---\n{proc.stderr_text()[-6000:]}")
        raise
    finally:
        for proc in nodes:
            proc.close()
        receiver.stop()
