"""The whole loop with charge points from the Python `ocpp` package against `vigil serve`:
fault in → rule → command sent → the charger (scripted) recovers or not → verification →
audit trail. Also the executor's own gates: live sessions, the reset budget across restarts,
the reboot-loop and fleet breakers, the kill switch, and tamper detection of the audit trail.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

import ocpp.v16
import ocpp.v16.call as call16
import ocpp.v16.call_result as result16
from ocpp.routing import on

from conftest import VigilProcess, vigil_binary

STEP = 10.0

RULES = """
- id: reset-then-disable
  when: { event: statusChanged, where: { to: Faulted, ocppErrorCode: InternalError } }
  unless: { transactionActive: true }
  then:
    - reset: soft
      verify: { status: Available, within: 3s }
    - disableConnector: true
    - alert: { route: oncall, severity: critical, text: "{{station}}/{{connector}} stuck. Tried: {{attempts}}" }
  limits: { cooldown: 1s }
"""


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class ScriptedCharger(ocpp.v16.ChargePoint):
    """A 1.6 charge point whose answer to a reset is scripted: after accepting it reboots
    (BootNotification) and reports connector 1 as `after_reset` (Available: the reset helped;
    Faulted: it did not)."""

    def __init__(self, *args, after_reset="Available", reset_answer="Accepted", reboot_delay=0.3, **kwargs):
        super().__init__(*args, **kwargs)
        self.after_reset = after_reset
        self.reboot_delay = reboot_delay
        self.reset_answer = reset_answer
        self.received: list[tuple[str, dict]] = []

    @on("Reset")
    def on_reset(self, **kwargs):
        self.received.append(("Reset", kwargs))
        if self.reset_answer == "Accepted":
            asyncio.get_running_loop().create_task(self.reboot())
        return result16.Reset(status=self.reset_answer)

    async def reboot(self):
        await asyncio.sleep(self.reboot_delay)
        await self.call(call16.BootNotification(charge_point_vendor="Acme", charge_point_model="X1"))
        await self.call(call16.StatusNotification(connector_id=1, error_code="InternalError" if self.after_reset == "Faulted" else "NoError",
                                                  status=self.after_reset))

    @on("ChangeAvailability")
    def on_change_availability(self, **kwargs):
        self.received.append(("ChangeAvailability", kwargs))
        return result16.ChangeAvailability(status="Accepted")

    @on("RemoteStartTransaction")
    def on_remote_start(self, **kwargs):
        self.received.append(("RemoteStartTransaction", kwargs))
        return result16.RemoteStartTransaction(status="Accepted")

    @on("RemoteStopTransaction")
    def on_remote_stop(self, **kwargs):
        self.received.append(("RemoteStopTransaction", kwargs))
        return result16.RemoteStopTransaction(status="Rejected")

    async def fault(self):
        await self.call(call16.StatusNotification(connector_id=1, error_code="InternalError", status="Faulted"), suppress=False)


@contextlib.asynccontextmanager
async def charger(proc, station, **kwargs):
    url = f"ws://127.0.0.1:{proc.port('ocpp')}/ocpp/{station}"
    async with connect(url, subprotocols=["ocpp1.6"], open_timeout=STEP, close_timeout=STEP, ping_interval=None) as ws:
        cp = ScriptedCharger(station, ws, response_timeout=STEP, **kwargs)
        reader = asyncio.create_task(cp.start())
        try:
            await cp.call(call16.BootNotification(charge_point_vendor="Acme", charge_point_model="X1"), suppress=False)
            yield cp
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                await asyncio.wait_for(reader, STEP)


def start(tmp_path: Path, rules: str = RULES, extra=()) -> VigilProcess:
    directory = tmp_path / "rules"
    directory.mkdir(exist_ok=True)
    (directory / "rules.yaml").write_text(rules)
    return VigilProcess(["serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", str(tmp_path / "vigil.sqlite"),
                         "--rules", str(directory), "--command-timeout", "5", *extra], ["ocpp", "http"]).start()


def vigil(*args) -> subprocess.CompletedProcess:
    return subprocess.run([str(vigil_binary()), *args], capture_output=True, text=True, timeout=STEP)


def audit(tmp_path: Path, *filters) -> list[dict]:
    result = vigil("audit", "query", "--db", str(tmp_path / "vigil.sqlite"), "--json", *filters)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


async def until(predicate, what: str, timeout: float = STEP):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


def run(coro, timeout: float = 60):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def verified_loop(tmp_path: Path, station: str) -> Path:
    """Serves the default rules until `station`'s fault was reset and the reset verified, then
    stops serve; returns the database (decisions, commands, an outcome, a verification on the trail)."""
    proc = start(tmp_path)
    try:
        async def scenario():
            async with charger(proc, station) as cp:
                await cp.fault()
                await until(lambda: [e for e in audit(tmp_path, "--station", station) if e["kind"] == "verification"], "the verification")
        run(scenario())
    finally:
        proc.stop()
    return tmp_path / "vigil.sqlite"


def test_a_fault_is_reset_verified_and_on_record(tmp_path):
    proc = start(tmp_path)
    try:
        async def scenario():
            async with charger(proc, "CP-OK") as cp:
                await cp.fault()
                await until(lambda: cp.received, "the reset")
                await until(lambda: [e for e in audit(tmp_path, "--station", "CP-OK") if e.get("outcome") == "verified"
                                     and e["kind"] == "verification"], "the verification on record")
                return cp.received

        received = run(scenario())
        assert received == [("Reset", {"type": "Soft"})]
        trail = audit(tmp_path, "--station", "CP-OK")
        steps = [(e["kind"], e.get("action"), e.get("outcome")) for e in trail]
        assert ("decision", "reset soft", "act") in steps
        assert ("command", "reset soft", "sending") in steps
        assert ("outcome", "reset soft", "accepted") in steps
        assert ("system", "boot attributed", steps[[s[1] for s in steps].index("boot attributed")][2]) in steps
        assert ("decision", None, "verified") in steps
        assert ("verification", "reset soft", "verified") in steps
        # The command was on record before it was sent, and its outcome after.
        assert steps.index(("command", "reset soft", "sending")) < steps.index(("outcome", "reset soft", "accepted"))
        verify = vigil("audit", "verify", "--db", str(tmp_path / "vigil.sqlite"))
        assert verify.returncode == 0 and "audit trail intact" in verify.stdout, verify.stdout
        stats = vigil("remediation", "stats", "--db", str(tmp_path / "vigil.sqlite"))
        assert "reset soft" in stats.stdout and "100%" in stats.stdout, stats.stdout
        # Each command says where its verification stands, and which event verified it.
        commands = vigil("remediation", "commands", "--db", str(tmp_path / "vigil.sqlite"), "--json")
        [reset] = [c for c in json.loads(commands.stdout) if c["action"] == "reset"]
        assert reset["status"] == "accepted" and reset["verification"] == "verified", reset
        assert reset["verifiedBy"].startswith("event ") and "statusChanged" in reset["verifiedBy"], reset
        text = vigil("remediation", "commands", "--db", str(tmp_path / "vigil.sqlite"))
        assert "verification: verified (by event " in text.stdout, text.stdout
        # Stats name the vendor and model the station booted as, and count the outcome.
        [remedy] = [r for r in json.loads(vigil("remediation", "stats", "--db", str(tmp_path / "vigil.sqlite"), "--json").stdout)
                    if r["action"] == "reset soft"]
        assert (remedy["vendor"], remedy["model"]) == ("Acme", "X1"), remedy
        assert remedy["counts"]["accepted"] == 1 and remedy["verified"] == 1 and remedy["successRate"] == 1.0, remedy
    finally:
        proc.stop()


def test_a_charger_that_does_not_recover_walks_the_ladder(tmp_path):
    proc = start(tmp_path)
    try:
        async def scenario():
            async with charger(proc, "CP-BAD", after_reset="Faulted") as cp:
                await cp.fault()
                await until(lambda: any(name == "ChangeAvailability" for name, _ in cp.received), "the disable", timeout=15)
                await until(lambda: [e for e in audit(tmp_path, "--kind", "alert")], "the alert on record")
                return cp.received

        received = run(scenario())
        assert received[0] == ("Reset", {"type": "Soft"})
        assert ("ChangeAvailability", {"connector_id": 1, "type": "Inoperative"}) in received
        alert = audit(tmp_path, "--kind", "alert")[0]
        assert alert["station"] == "CP-BAD" and alert["outcome"] == "noRoute"   # no webhook route in this config
        assert "Tried: reset soft (not verified); disableConnector" in alert["details"], alert
    finally:
        proc.stop()


def test_a_charger_in_a_live_session_is_not_reset(tmp_path):
    # No `unless` here: the executor's own gate must hold the reset back.
    rules = RULES.replace("  unless: { transactionActive: true }\n", "")
    proc = start(tmp_path, rules)
    try:
        async def scenario():
            async with charger(proc, "CP-BUSY") as cp:
                await cp.call(call16.StartTransaction(connector_id=1, id_tag="T1", meter_start=0, timestamp=now_iso()), suppress=False)
                await cp.fault()
                await until(lambda: [e for e in audit(tmp_path, "--station", "CP-BUSY") if e["kind"] == "decision"
                                     and e.get("outcome") == "suppressed"], "the held-back decision")
                await asyncio.sleep(1)
                return cp.received

        assert run(scenario()) == []
        held = [e for e in audit(tmp_path, "--station", "CP-BUSY") if e.get("outcome") == "suppressed"]
        assert "a transaction is active" in held[0]["details"]
    finally:
        proc.stop()


def test_the_reset_budget_holds_across_a_crash(tmp_path):
    proc = start(tmp_path)
    proc.stop()
    # Three resets recorded but never confirmed: Vigil died between recording and sending.
    db = sqlite3.connect(tmp_path / "vigil.sqlite")
    for _ in range(3):
        db.execute("INSERT INTO remediation_commands (created_at, rule, station, connector, action, argument, status) "
                   "VALUES (?, 'reset-then-disable', 'CP-CRASH', 1, 'reset', 'soft', 'pending')", (now_iso(),))
    db.commit()
    db.close()
    proc = start(tmp_path)
    try:
        async def scenario():
            async with charger(proc, "CP-CRASH") as cp:
                await cp.fault()
                await until(lambda: [e for e in audit(tmp_path, "--station", "CP-CRASH") if e.get("outcome") == "refused"], "the refusal")
                return cp.received

        received = run(scenario())
        assert not [name for name, _ in received if name == "Reset"], received
        refused = [e for e in audit(tmp_path, "--station", "CP-CRASH") if e.get("outcome") == "refused"][0]
        assert "had 3 resets within 24 h (limit 3)" in refused["details"], refused
        recovered = audit(tmp_path, "--kind", "system", "--action", "recover")
        assert recovered and recovered[0]["outcome"] == "unknown"
    finally:
        proc.stop()


def test_a_reboot_loop_trips_the_station_breaker(tmp_path):
    # Every fault gets a reset, and every reset brings the fault back after a reboot: a loop
    # that Vigil itself drives.
    rules = """
- id: reset-on-fault
  when: { event: statusChanged, where: { to: Faulted } }
  then:
    - reset: soft
  limits: { cooldown: 1s }
"""
    proc = start(tmp_path, rules)
    try:
        async def scenario():
            async with charger(proc, "CP-LOOP", after_reset="Faulted", reboot_delay=1.2) as cp:
                await cp.fault()
                await until(lambda: audit(tmp_path, "--action", "reboot-loop breaker"), "the breaker", timeout=30)
                await asyncio.sleep(2.5)
                return cp.received

        received = run(scenario(), timeout=90)
        resets = [name for name, _ in received if name == "Reset"]
        assert len(resets) == 3, received
        breaker = audit(tmp_path, "--action", "reboot-loop breaker")[0]
        assert breaker["station"] == "CP-LOOP" and breaker["outcome"] == "tripped"
        attributed = audit(tmp_path, "--action", "boot attributed")
        assert len(attributed) == 3
        refused = [e for e in audit(tmp_path, "--station", "CP-LOOP", "--outcome", "refused")]
        assert refused, "the fault after the third reset must be refused"
    finally:
        proc.stop()


def test_a_fleet_wide_fault_trips_the_fleet_breaker(tmp_path):
    proc = start(tmp_path)
    try:
        async def scenario():
            stack = contextlib.AsyncExitStack()
            async with stack:
                chargers = [await stack.enter_async_context(charger(proc, f"CP-F{i}")) for i in range(8)]
                for cp in chargers:
                    await cp.fault()
                await until(lambda: audit(tmp_path, "--action", "fleet breaker"), "the fleet breaker")
                await asyncio.sleep(1.5)
                return [cp.received for cp in chargers]

        received = run(scenario())
        resets = sum(1 for got in received for name, _ in got if name == "Reset")
        # The breaker needs at least 5 faulting stations (and more than 20% of the fleet): the
        # first faults are reset, the rest are held (every automatic command, until the hold ends).
        assert resets <= 5, received
        held = [e for e in audit(tmp_path, "--outcome", "held") if "fleet breaker" in e["details"]]
        assert len(held) >= 3
    finally:
        proc.stop()


def test_the_kill_switch_stops_every_command(tmp_path):
    proc = start(tmp_path)
    try:
        db = str(tmp_path / "vigil.sqlite")
        paused = vigil("remediation", "pause", "--reason", "site works", "--by", "dana", "--db", db)
        assert paused.returncode == 0, paused.stderr

        async def scenario():
            async with charger(proc, "CP-KILL") as cp:
                await cp.fault()
                await until(lambda: [e for e in audit(tmp_path, "--station", "CP-KILL") if e.get("outcome") == "refused"], "the refusal")
                return cp.received

        assert run(scenario()) == []
        switch = audit(tmp_path, "--kind", "operator", "--actor", "dana")
        assert switch[0]["action"] == "kill switch on" and switch[0]["details"] == "site works"
    finally:
        proc.stop()


def test_tampering_with_the_audit_trail_is_detected(tmp_path):
    db_path = verified_loop(tmp_path, "CP-T")
    assert vigil("audit", "verify", "--db", str(db_path)).returncode == 0
    entries = audit(tmp_path)
    target = entries[len(entries) // 2]["id"]
    db = sqlite3.connect(db_path)
    db.execute("UPDATE audit_log SET outcome = 'rejected' WHERE id = ?", (target,))
    db.commit()
    db.close()
    broken = vigil("audit", "verify", "--db", str(db_path))
    assert broken.returncode == 1
    assert f"BROKEN at entry {target}: its content does not match its hash" in broken.stdout, broken.stdout
    export = vigil("audit", "export", "--format", "csv", "--db", str(db_path))
    assert export.returncode == 0 and export.stdout.startswith("id,at,kind,actor,station")


def test_deleting_the_tail_with_its_checkpoints_is_caught_by_the_anchor(tmp_path):
    anchor = tmp_path / "anchor.jsonl"
    proc = start(tmp_path, extra=("--audit-anchor", str(anchor)))
    try:
        async def scenario():
            async with charger(proc, "CP-A") as cp:
                await cp.fault()
                await until(lambda: [e for e in audit(tmp_path, "--station", "CP-A") if e["kind"] == "verification"], "the verification")

        run(scenario())
    finally:
        proc.stop()
    db_path = tmp_path / "vigil.sqlite"
    # A one-shot command signs its entry at once (checkpoint 2) but knows no anchor; the next
    # serve copies that checkpoint to the anchor when it starts.
    assert vigil("remediation", "pause", "--reason", "anchor test", "--db", str(db_path)).returncode == 0
    start(tmp_path, extra=("--audit-anchor", str(anchor))).stop()
    lines = [json.loads(line) for line in anchor.read_text().splitlines()]
    assert len(lines) >= 2 and [line["sequence"] for line in lines] == list(range(1, len(lines) + 1)), lines
    intact = vigil("audit", "verify", "--db", str(db_path), "--anchor", str(anchor))
    assert intact.returncode == 0 and f"{len(lines)} anchored" in intact.stdout, intact.stdout
    # A replaced key file is named as such (its fingerprint is not the trail's); with the stored
    # fingerprint gone too, it fails the first signature.
    key = tmp_path / "audit.key"
    original = key.read_text()
    key.write_text("another key\n")
    replaced = vigil("audit", "verify", "--db", str(db_path))
    assert replaced.returncode == 1 and "is not the key this trail was begun with" in replaced.stdout, replaced.stdout
    copy = tmp_path / "no-fingerprint.sqlite"
    shutil.copy(db_path, copy)
    with contextlib.closing(sqlite3.connect(copy)) as edit:
        edit.execute("DELETE FROM audit_key_check")
        edit.commit()
    replaced = vigil("audit", "verify", "--db", str(copy), "--audit-key", str(key))
    assert replaced.returncode == 1 and "BROKEN at checkpoint 1: its signature does not match" in replaced.stdout, replaced.stdout
    key.write_text(original)
    # Cut the history back to the first checkpoint, with every checkpoint after it.
    db = sqlite3.connect(db_path)
    first = db.execute("SELECT entry_id FROM audit_checkpoints WHERE sequence = 1").fetchone()[0]
    db.execute("DELETE FROM audit_log WHERE id > ?", (first,))
    db.execute("DELETE FROM audit_checkpoints WHERE sequence > 1")
    db.commit()
    db.close()
    without = vigil("audit", "verify", "--db", str(db_path))
    assert without.returncode == 0, without.stdout   # the stated limit: a clean cut needs the anchor
    cut = vigil("audit", "verify", "--db", str(db_path), "--anchor", str(anchor))
    assert cut.returncode == 1 and "INCOMPLETE: anchored checkpoint 2" in cut.stdout, cut.stdout
    db = sqlite3.connect(db_path)
    db.execute("DELETE FROM audit_checkpoints")
    db.commit()
    db.close()
    gone = vigil("audit", "verify", "--db", str(db_path), "--anchor", str(anchor))
    assert gone.returncode == 1 and "INCOMPLETE: anchored checkpoint 1" in gone.stdout, gone.stdout
    # Without the anchor, every checkpoint gone is caught by time once the tail is old.
    late = vigil("audit", "verify", "--db", str(db_path), "--as-of", "2099-01-01T00:00:00Z")
    assert late.returncode == 1 and "INCOMPLETE: entries 1…" in late.stdout and "have no checkpoint" in late.stdout, late.stdout


def test_an_operators_manual_commands_are_sent_and_audited(tmp_path):
    proc = start(tmp_path)
    try:
        http = f"127.0.0.1:{proc.port('http')}"

        def command(*args):
            return subprocess.run([str(vigil_binary()), "stations", "command", "CP-MAN", *args, "--by", "dana", "--reason", "driver called",
                                   "--http", http], capture_output=True, text=True, timeout=STEP)

        async def scenario():
            async with charger(proc, "CP-MAN") as cp:
                loop = asyncio.get_running_loop()
                start_result = await loop.run_in_executor(None, command, "start", "--id-tag", "CARD-7", "--connector", "1")
                stop_result = await loop.run_in_executor(None, command, "stop", "--transaction", "42")
                return cp.received, start_result, stop_result

        received, started, stopped = run(scenario())
        assert started.returncode == 0 and "CP-MAN: start idTag CARD-7 connector 1 → accepted" in started.stdout, started
        assert stopped.returncode == 1 and "rejected: Rejected" in stopped.stdout, stopped
        assert ("RemoteStartTransaction", {"connector_id": 1, "id_tag": "CARD-7"}) in received
        assert ("RemoteStopTransaction", {"transaction_id": 42}) in received
        offline = command("reset", "--type", "hard")
        assert offline.returncode == 1 and "not connected" in offline.stdout, offline
        trail = audit(tmp_path, "--actor", "dana")
        assert [(e["action"], e["outcome"]) for e in trail] == [
            ("manual start idTag CARD-7 connector 1", "sending"), ("manual stop transaction 42", "sending"), ("manual reset hard", "sending")]
        assert all(e["details"] == "driver called" for e in trail)
        outcomes = [(e["action"], e["outcome"]) for e in audit(tmp_path, "--kind", "outcome", "--station", "CP-MAN")]
        assert ("manual start idTag CARD-7 connector 1", "accepted") in outcomes and ("manual reset hard", "not connected") in outcomes
    finally:
        proc.stop()


def test_a_mistyped_or_misspelt_command_field_is_refused_before_anything_is_sent(tmp_path):
    """A connector given as text or a fraction, a misspelt field, a reset type that is neither
    soft nor hard, a connector on a reset, an unknown message to trigger: each once became a
    command to the whole station (or a soft reset for a hard one). Refused with 400, from the
    CLI as a usage error (exit 2), with nothing sent or audited; a well-formed one goes out."""
    proc = start(tmp_path)
    try:
        http = f"127.0.0.1:{proc.port('http')}"

        def post(body):
            request = urllib.request.Request(f"http://{http}/api/v1/stations/CP-BODY/commands", method="POST",
                                             data=json.dumps({"by": "dana", **body}).encode(), headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=STEP) as response:
                    return response.status, json.loads(response.read())
            except urllib.error.HTTPError as error:
                return error.code, json.loads(error.read())

        def command(*args):
            return subprocess.run([str(vigil_binary()), "stations", "command", "CP-BODY", *args, "--by", "dana", "--http", http],
                                  capture_output=True, text=True, timeout=STEP)

        async def scenario():
            async with charger(proc, "CP-BODY") as cp:
                loop = asyncio.get_running_loop()
                answers = []
                for body in [{"command": "disable", "connector": "1"}, {"command": "disable", "connector": 1.5},
                             {"command": "disable", "connector": 0}, {"command": "disable", "conector": 1},
                             {"command": "reset", "type": "bogus"}, {"command": "reset", "connector": 1},
                             {"command": "trigger", "message": "Bogus"}, {"command": "unlock"}]:
                    answers.append((body, *await loop.run_in_executor(None, post, body)))
                usages = [await loop.run_in_executor(None, command, *args)
                          for args in [("reset", "--type", "bogus"), ("reset", "--connector", "1"), ("unlock",), ("disable", "--connector", "0"),
                                       ("trigger", "--message", "Bogus")]]
                refused_received = list(cp.received)
                sent = await loop.run_in_executor(None, command, "disable", "--connector", "2")
                return answers, usages, refused_received, sent, cp.received

        answers, usages, refused_received, sent, received = run(scenario())
        for body, status, answer in answers:
            assert status == 400 and answer["code"] in ("invalid_body", "missing_field"), (body, status, answer)
        assert "whole number from 1" in answers[0][2]["error"] and "whole number from 1" in answers[2][2]["error"]
        assert 'disable takes no "conector"' in answers[3][2]["error"], answers[3]
        assert '"type" must be "soft" or "hard"' in answers[4][2]["error"]
        assert 'reset takes no "connector"' in answers[5][2]["error"]
        for usage in usages:
            assert usage.returncode == 2, usage
        assert "--connector" in usages[1].stderr and "--type" in usages[0].stderr, usages
        assert refused_received == [], refused_received
        assert sent.returncode == 0 and "CP-BODY: disable connector 2 → accepted" in sent.stdout, sent
        assert received == [("ChangeAvailability", {"connector_id": 2, "type": "Inoperative"})], received
        assert [e["action"] for e in audit(tmp_path, "--actor", "dana")] == ["manual disable connector 2"]
    finally:
        proc.stop()


SILENCED_RULES = """
- id: reset-unless-silenced
  when: { event: statusChanged, where: { to: Faulted, ocppErrorCode: InternalError } }
  unless: { silenced: true }
  then:
    - reset: soft
"""


def test_an_alert_silence_holds_a_rule_back_where_it_applies(tmp_path):
    """`vigil alerts silence --station` from the CLI, while serve runs: the silenced station's
    fault is held back (decision on record, no command); another station's is reset."""
    proc = start(tmp_path, rules=SILENCED_RULES)
    try:
        db = str(tmp_path / "vigil.sqlite")
        silenced = vigil("alerts", "silence", "--station", "CP-QUIET", "--for", "1h", "--reason", "cabling works", "--by", "dana",
                         "--db", db)
        assert silenced.returncode == 0, silenced.stderr
        time.sleep(3)   # serve reads the silences every 2 s

        async def scenario():
            async with charger(proc, "CP-QUIET") as quiet, charger(proc, "CP-LOUD") as loud:
                await quiet.fault()
                await loud.fault()
                await until(lambda: loud.received, "the reset of the station without a silence")
                await until(lambda: [d for d in decisions() if d["target"].get("station") == "CP-QUIET"], "the held-back decision")
                await asyncio.sleep(1)
                return quiet.received, loud.received

        def decisions():
            result = vigil("rules", "decisions", "--db", db, "--json")
            assert result.returncode == 0, result.stderr
            return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]

        quiet, loud = run(scenario())
        assert quiet == [], quiet
        assert loud == [("Reset", {"type": "Soft"})], loud
        held = [d for d in decisions() if d["target"].get("station") == "CP-QUIET"]
        assert [d["kind"] for d in held] == ["suppressed"] and "silence" in held[0]["reason"], held
    finally:
        proc.stop()
