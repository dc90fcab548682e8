"""Station identity, trust and abuse budgets, against `vigil serve` with
a real WebSocket client: look-alike, accented, control-character and malformed ids are refused
at the upgrade with 400 and the reason; a percent-encoded plain id is the same station; case is
significant; a station that authenticated once is refused without credentials afterwards; a
flooding station is disconnected with the reason, and its flood is not written to the raw log.
"""

from __future__ import annotations

import asyncio
import contextlib
import base64
import json
import sqlite3
import subprocess
import urllib.error
import urllib.request

from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from conftest import VigilProcess, vigil_binary

STEP = 10.0


def serve(tmp_path, *extra) -> VigilProcess:
    return VigilProcess(["serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", str(tmp_path / "vigil.sqlite"), *extra],
                        ["ocpp", "http"]).start()


async def attempt(proc, raw_id: str, headers=None) -> str:
    """Boots as the station whose URL segment is `raw_id` (already percent-encoded as wanted)."""
    try:
        async with connect(f"ws://127.0.0.1:{proc.port('ocpp')}/ocpp/{raw_id}", subprotocols=["ocpp1.6"], open_timeout=STEP,
                           ping_interval=None, additional_headers=headers or {}) as ws:
            await ws.send(json.dumps([2, "b1", "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}]))
            return json.loads(await asyncio.wait_for(ws.recv(), STEP))[2]["status"]
    except InvalidStatus as refused:
        return f"{refused.response.status_code} {refused.response.body.decode().strip()}"


def stations(tmp_path) -> list[str]:
    out = subprocess.run([str(vigil_binary()), "stations", "list", "--json", "--db", str(tmp_path / "vigil.sqlite")],
                         capture_output=True, text=True, timeout=STEP).stdout
    return sorted(s["id"] for s in json.loads(out))


def test_look_alike_and_malformed_ids_are_refused_at_the_upgrade(tmp_path):
    proc = serve(tmp_path)
    try:
        refused = {
            "%E2%84%AAEBA-1": "non-ASCII byte 0xE2",        # KELVIN SIGN for K
            "CAFE%CC%81-1": "non-ASCII byte 0xCC",          # E + combining acute accent
            "CAF%C3%89-1": "non-ASCII byte 0xC3",           # precomposed É
            "CP%0A1": "control character 0xA",             # a newline that would forge a log line
            "CP%201": '" " at byte 3',
            "CP%2F1": '"/" at byte 3',
            "x" * 49: "at most 48 characters",
        }
        for raw, reason in refused.items():
            answer = asyncio.run(attempt(proc, raw))
            assert answer.startswith("400 invalid station id in the URL") and reason in answer, (raw, answer)
        assert asyncio.run(attempt(proc, "KEBA-1")) == "Accepted"
        assert asyncio.run(attempt(proc, "CP%2D9")) == "Accepted"    # percent-encoded "-": the same canonical id CP-9
        assert asyncio.run(attempt(proc, "keba-1")) == "Accepted"    # case is significant: another station
        assert stations(tmp_path) == ["CP-9", "KEBA-1", "keba-1"]
        # The API compares the same way: a look-alike is refused, not looked up.
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{proc.port('http')}/api/v1/stations/%E2%84%AAEBA-1", timeout=STEP)
            raise AssertionError("a look-alike id must be refused")
        except urllib.error.HTTPError as error:
            assert error.code == 400 and "non-ASCII" in error.read().decode()
    finally:
        proc.stop()
    added = subprocess.run([str(vigil_binary()), "stations", "add", "CAFÉ-1", "--db", str(tmp_path / "vigil.sqlite")],
                           capture_output=True, text=True, timeout=STEP)
    assert added.returncode == 2 and "non-ASCII" in added.stderr, added


def test_a_station_that_authenticated_once_needs_credentials_from_then_on(tmp_path):
    db = tmp_path / "vigil.sqlite"
    subprocess.run([str(vigil_binary()), "stations", "add", "CP-KEY", "--db", str(db)], check=True, capture_output=True, timeout=STEP)
    made = subprocess.run([str(vigil_binary()), "stations", "password", "CP-KEY", "--db", str(db)], capture_output=True, text=True,
                          timeout=STEP)
    password = made.stdout.strip().splitlines()[-1]
    basic = {"Authorization": "Basic " + base64.b64encode(f"CP-KEY:{password}".encode()).decode()}
    proc = serve(tmp_path)   # --station-auth optional: the default
    try:
        assert asyncio.run(attempt(proc, "CP-KEY", basic)) == "Accepted"
        # The password disappears from the registry (a restore from an old backup, a careless edit):
        # the station still may not come back without credentials.
        with sqlite3.connect(db) as connection:
            connection.execute("UPDATE stations SET auth_digest = NULL WHERE id = 'CP-KEY'")
        answer = asyncio.run(attempt(proc, "CP-KEY"))
        assert answer.startswith("401 authentication required for station CP-KEY"), answer
        assert "has authenticated before" in proc.stderr_text()
        assert asyncio.run(attempt(proc, "CP-OTHER")) == "Accepted"   # one that never authenticated: optional mode
    finally:
        proc.stop()
    # Only the operator's explicit decision (clearing its password) lets it in without credentials again.
    cleared = subprocess.run([str(vigil_binary()), "stations", "password", "CP-KEY", "--clear", "--db", str(db)],
                             capture_output=True, text=True, timeout=STEP)
    assert "may connect without credentials again" in cleared.stdout, cleared
    proc = serve(tmp_path)
    try:
        assert asyncio.run(attempt(proc, "CP-KEY")) == "Accepted"
    finally:
        proc.stop()


def test_serve_warns_for_each_risky_default(tmp_path):
    proc = serve(tmp_path)
    proc.stop()
    log = proc.stderr_text()
    for warning in ("stations without a password may connect", "any unknown station id is accepted",
                    "a second connection under a connected station's id replaces it"):
        assert warning in log, log
    quiet = serve(tmp_path, "--station-auth", "required", "--unknown-stations", "reject", "--duplicate-connections", "keep-old")
    quiet.stop()
    log = quiet.stderr_text()
    assert "stations without a password may connect" not in log and "any unknown station id is accepted" not in log, log


def test_a_flooding_station_is_disconnected_with_the_reason_and_its_flood_is_not_logged(tmp_path):
    proc = serve(tmp_path, "--station-message-budget", "60")
    try:
        async def flood():
            async with connect(f"ws://127.0.0.1:{proc.port('ocpp')}/ocpp/CP-FLOOD", subprotocols=["ocpp1.6"], open_timeout=STEP,
                               ping_interval=None) as ws:
                for number in range(200):
                    try:
                        await ws.send(json.dumps([2, f"h{number}", "Heartbeat", {}]))
                    except Exception:
                        break
                with contextlib.suppress(Exception):
                    while True:
                        await asyncio.wait_for(ws.recv(), STEP)
                return ws.close_code, ws.close_reason

        code, reason = asyncio.run(flood())
        assert code == 1008 and reason == "message budget exceeded: more than 60 messages within a minute", (code, reason)
        # Another station is not affected.
        assert asyncio.run(attempt(proc, "CP-CALM")) == "Accepted"
    finally:
        proc.stop()
    log = subprocess.run([str(vigil_binary()), "stations", "log", "CP-FLOOD", "--limit", "1000", "--db", str(tmp_path / "vigil.sqlite")],
                         capture_output=True, text=True, timeout=STEP).stdout
    incoming = [line for line in log.splitlines() if " <- " in line]
    outgoing = [line for line in log.splitlines() if " -> " in line]
    assert 1 <= len(incoming) <= 60, len(incoming)
    # A frame past the budget is not handled either: every answer logged answers a logged frame.
    assert len(outgoing) <= len(incoming), (len(outgoing), len(incoming))


def test_a_station_not_accepted_gets_security_error_and_raises_no_events(tmp_path):
    """OCPP 2.0.1 B03.FR.07 (and 1.6 alike): under `--unknown-stations reject` an unknown id's
    BootNotification is Rejected and every other CALL gets CALLERROR SecurityError; nothing it
    says reaches the rules (no `connected`/`disconnected` events, hence no offline alert)."""
    for station, registration in (("CP-KNOWN", "accepted"), ("CP-REJECTED", "rejected")):
        added = subprocess.run([str(vigil_binary()), "stations", "add", station, "--registration", registration,
                                "--db", str(tmp_path / "vigil.sqlite")], capture_output=True, text=True, timeout=STEP)
        assert added.returncode == 0, added
    proc = serve(tmp_path, "--unknown-stations", "reject")
    try:
        async def stranger(station="CP-STRANGER"):
            async with connect(f"ws://127.0.0.1:{proc.port('ocpp')}/ocpp/{station}", subprotocols=["ocpp1.6"], open_timeout=STEP,
                               ping_interval=None) as ws:
                answers = []
                for frame in ([2, "b1", "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}],
                              [2, "h1", "Heartbeat", {}],
                              [2, "s1", "StatusNotification", {"connectorId": 1, "errorCode": "GroundFailure", "status": "Faulted"}]):
                    await ws.send(json.dumps(frame))
                    answers.append(json.loads(await asyncio.wait_for(ws.recv(), STEP)))
                return answers

        boot, heartbeat, status = asyncio.run(stranger())
        assert boot[0] == 3 and boot[2]["status"] == "Rejected", boot
        for answer in (heartbeat, status):
            assert answer[0] == 4 and answer[2] == "SecurityError" and "CP-STRANGER is not accepted" in answer[3], answer
        # A station the operator marked rejected: the same, and its boots raise no `booted` (no reboot loop).
        for _ in range(2):
            boot, heartbeat, status = asyncio.run(stranger("CP-REJECTED"))
            assert boot[2]["status"] == "Rejected" and heartbeat[2] == "SecurityError" and status[2] == "SecurityError", (boot, heartbeat)
        # A declared station on the same server is served as before.
        assert asyncio.run(attempt(proc, "CP-KNOWN")) == "Accepted"
    finally:
        proc.stop()
    with contextlib.closing(sqlite3.connect(tmp_path / "vigil.sqlite")) as db:
        events = db.execute("SELECT count(*) FROM domain_events WHERE station IN ('CP-STRANGER', 'CP-REJECTED')").fetchone()[0]
        statuses = db.execute("SELECT count(*) FROM connector_status_history WHERE station = 'CP-STRANGER'").fetchone()[0]
        known = {row[0] for row in db.execute("SELECT kind FROM domain_events WHERE station = 'CP-KNOWN'")}
    assert events == 0 and statuses == 0, (events, statuses)
    assert {"connected", "booted", "disconnected"} <= known, known
    assert "CP-STRANGER" not in stations(tmp_path)
