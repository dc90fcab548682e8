"""Crash safety of `vigil serve` with Python `ocpp` charge points: sessions are started (and
answered only once committed), the server is killed with SIGKILL in the middle of them, a new
server starts on the same database, the chargers reconnect and finish their sessions with the
transaction ids they were given, and no committed session, status or token is lost."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import subprocess
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path


import ocpp.v16
import ocpp.v16.call as call16
import ocpp.v201
import ocpp.v201.call as call201

from conftest import VigilProcess, vigil_binary
from conftest import charge_point as station

STEP = 10.0


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def serve(db: Path) -> VigilProcess:
    return VigilProcess(["serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", str(db)], ["ocpp", "http"]).start()


def cli(db: Path, *args) -> str:
    run = subprocess.run([str(vigil_binary()), *args, "--db", str(db)], capture_output=True, text=True, timeout=STEP)
    assert run.returncode == 0, run.stderr
    return run.stdout


async def boot16(cp):
    reply = await cp.call(call16.BootNotification(charge_point_vendor="ABB", charge_point_model="CDT_TACW22"), suppress=False)
    assert reply.status == "Accepted"


async def boot201(cp):
    reply = await cp.call(call201.BootNotification(charging_station={"model": "HYC300", "vendor_name": "alpitronic"},
                                                   reason="PowerUp"), suppress=False)
    assert reply.status == "Accepted"


def test_sessions_survive_kill_9_and_continue_after_restart(tmp_path):
    db = tmp_path / "vigil.sqlite"
    first = serve(db)
    cli(db, "tokens", "add", "CARD-A")
    cli(db, "tokens", "add", "CARD-B")
    ids: dict[str, int] = {}

    async def before_crash():
        async with station(first, "CP-K1", "ocpp1.6") as a, station(first, "CP-K2", "ocpp1.6") as b, \
                station(first, "CS-K3", "ocpp2.0.1") as c:
            await boot16(a)
            await boot16(b)
            await boot201(c)
            for cp, card in ((a, "CARD-A"), (b, "CARD-B")):
                started = await cp.call(call16.StartTransaction(connector_id=1, id_tag=card, meter_start=1000, timestamp=now()),
                                        suppress=False)
                assert started.id_tag_info["status"] == "Accepted"
                ids[cp.id] = started.transaction_id
                await cp.call(call16.MeterValues(connector_id=1, transaction_id=started.transaction_id, meter_value=[
                    {"timestamp": now(), "sampled_value": [{"value": "1500", "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]}]),
                    suppress=False)
            await c.call(call201.TransactionEvent(event_type="Started", timestamp=now(), trigger_reason="Authorized", seq_no=0,
                                                  transaction_info={"transaction_id": "TX-K3"}, id_token={"id_token": "CARD-A", "type": "ISO14443"},
                                                  evse={"id": 1, "connector_id": 1},
                                                  meter_value=[{"timestamp": now(), "sampled_value": [{"value": 10.0}]}]), suppress=False)
            # Every start above was answered, so it is committed: now the power goes.
            first.signal(signal.SIGKILL)
            first.wait(STEP)

    asyncio.run(before_crash())
    first.close()

    # Everything answered before the crash is in the database.
    sessions = json.loads(cli(db, "sessions", "list", "--json"))
    active = {s["station"]: s for s in sessions if s["active"]}
    assert set(active) == {"CP-K1", "CP-K2", "CS-K3"}, sessions
    assert str(ids["CP-K1"]) == active["CP-K1"]["transactionRef"]
    assert {t for t in cli(db, "tokens", "list").split() if t.startswith("CARD-")} == {"CARD-A", "CARD-B"}

    second = serve(db)
    try:
        async def after_restart():
            async with station(second, "CP-K1", "ocpp1.6") as a, station(second, "CP-K2", "ocpp1.6") as b, \
                    station(second, "CS-K3", "ocpp2.0.1") as c:
                await boot16(a)
                await boot16(b)
                await boot201(c)
                # A charger retrying its StartTransaction (the answer was lost in the crash) gets the same id.
                again = await a.call(call16.StartTransaction(connector_id=1, id_tag="CARD-A", meter_start=1000,
                                                             timestamp=active["CP-K1"]["startTime"]), suppress=False)
                assert again.transaction_id == ids["CP-K1"]
                for cp in (a, b):
                    await cp.call(call16.StopTransaction(transaction_id=ids[cp.id], meter_stop=4000, timestamp=now(), reason="Local"),
                                  suppress=False)
                await c.call(call201.TransactionEvent(event_type="Ended", timestamp=now(), trigger_reason="EVCommunicationLost", seq_no=1,
                                                      transaction_info={"transaction_id": "TX-K3", "stopped_reason": "EVDisconnected"},
                                                      meter_value=[{"timestamp": now(), "sampled_value": [{"value": 2510.0}]}]),
                             suppress=False)
                # A new session after the restart gets a new, never reused id.
                fresh = await b.call(call16.StartTransaction(connector_id=1, id_tag="CARD-B", meter_start=4000, timestamp=now()),
                                     suppress=False)
                assert fresh.transaction_id not in ids.values()
        asyncio.run(after_restart())
    finally:
        second.close()

    sessions = json.loads(cli(db, "sessions", "list", "--json"))
    done = {s["station"]: s for s in sessions if not s["active"]}
    assert set(done) == {"CP-K1", "CP-K2", "CS-K3"}, sessions
    assert done["CP-K1"]["energyWh"] == 3000 and done["CP-K2"]["energyWh"] == 3000, done
    assert done["CS-K3"]["stopReason"] == "EVDisconnected", done["CS-K3"]
    assert len([s for s in sessions if s["active"]]) == 1   # the fresh one
    assert len(sessions) == 4


def test_every_answered_fault_is_decided_exactly_once_across_a_kill_9(tmp_path):
    """An answer means "recorded and will be acted on": faults answered an instant before a
    SIGKILL are in the durable event log; the next serve decides each of them, exactly once,
    whether or not the first one got to it."""
    db = tmp_path / "vigil.sqlite"
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "faults.yaml").write_text(
        "- id: note-fault\n"
        "  mode: dry-run\n"
        "  when: { event: statusChanged, where: { to: Faulted } }\n"
        "  then:\n"
        "    - alert: { route: oncall, severity: minor, title: \"{{station}} faulted\", text: \"{{station}} faulted\" }\n")

    def serve_with_rules() -> VigilProcess:
        return VigilProcess(["serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", str(db), "--rules", str(rules)],
                            ["ocpp", "http"]).start()

    names = [f"CP-F{i}" for i in range(40)]
    first = serve_with_rules()

    async def fault_storm_then_crash():
        async with contextlib.AsyncExitStack() as stack:
            cps = [await stack.enter_async_context(station(first, name, "ocpp1.6")) for name in names]
            await asyncio.gather(*(boot16(cp) for cp in cps))
            await asyncio.gather(*(cp.call(call16.StatusNotification(connector_id=1, error_code="GroundFailure", status="Faulted"),
                                           suppress=False) for cp in cps))
            # Every fault was answered: kill at once, the rules may not have seen them yet.
            first.signal(signal.SIGKILL)
            first.wait(STEP)

    asyncio.run(fault_storm_then_crash())
    first.close()

    second = serve_with_rules()
    try:
        health_url = f"http://127.0.0.1:{second.port('http')}/api/v1/health"
        deadline = time.monotonic() + STEP
        while True:
            with urllib.request.urlopen(health_url, timeout=STEP) as reply:
                log = json.loads(reply.read())["eventLog"]
            rules_consumer = next(c for c in log["consumers"] if c["name"] == "rules")
            if rules_consumer["lag"] == 0 and rules_consumer["position"] >= log["head"]:
                break
            assert time.monotonic() < deadline, log
            time.sleep(0.05)
    finally:
        second.close()

    decided = [json.loads(line) for line in cli(db, "rules", "decisions", "--rule", "note-fault", "--limit", "1000", "--json").splitlines()
               if line.strip()]
    fired = {}
    for decision in decided:
        if decision["kind"] != "act":
            continue
        target = decision["target"]["key"] if isinstance(decision["target"], dict) else decision["target"]
        fired[target] = fired.get(target, 0) + 1
    assert sorted(fired) == sorted(f"{name}/1" for name in names), decided
    assert set(fired.values()) == {1}, fired


def test_a_crash_ends_a_quiet_stations_connection_near_the_crash_not_at_its_last_message(tmp_path):
    """A charger that boots and then only keeps its socket open was online until serve died:
    the restart records its offline spell from serve's last liveness record (its offline sweep
    writes one every min(30 s, heartbeat interval)), not from the boot minutes before."""
    import sqlite3
    db = tmp_path / "vigil.sqlite"
    first = VigilProcess(["serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", str(db), "--heartbeat-interval", "2"],
                         ["ocpp", "http"]).start()

    async def quiet_then_crash():
        async with station(first, "CP-QUIET", "ocpp1.6") as cp:
            await boot16(cp)
            await asyncio.sleep(6)   # says nothing more; the socket stays open
            first.signal(signal.SIGKILL)
            first.wait(STEP)

    asyncio.run(quiet_then_crash())
    first.close()
    second = serve(db)
    second.stop()
    with contextlib.closing(sqlite3.connect(db)) as connection:
        changes = connection.execute("SELECT at, online FROM station_connectivity WHERE station = 'CP-QUIET' ORDER BY id").fetchall()
    assert [online for _, online in changes] == [1, 0], changes
    parse = lambda text: datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
    online_for = (parse(changes[1][0]) - parse(changes[0][0])).total_seconds()
    # Offline from the boot would be 0 s; the last liveness record is at most one sweep (2 s) before the kill.
    assert 3.0 <= online_for <= 7.0, changes
