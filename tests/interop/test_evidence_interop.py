"""The dispute evidence pack end to end (issue #21 item 4): a Python `ocpp` 1.6 charge point runs a
priced session against `vigil serve` with a fault in the middle — Faulted, the rule's
TriggerMessage (a command that does not disturb a session), Available again — and the pack comes
out of the API (JSON and the printable HTML) and the CLI. Its content hash and section hashes are
recomputed here in Python from the documented canonical form (docs/billing.md, "Evidence pack"),
the CDR's own hash and the cited audit entries' presence are checked, `--verify` says OK for the
saved JSON and HTML and names the section of an edited field, exit 1."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
import subprocess
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

import ocpp.v16
import ocpp.v16.call as call16
import ocpp.v16.call_result as result16
from ocpp.routing import on

from conftest import VigilProcess, vigil_binary

STEP = 10.0

CONFIG = """
stations:
  - {id: CP-E1, site: depot-north}
tariffs:
  - id: standard
    currency: EUR
    vatPercent: 19
    bands:
      - {energyPerKWh: 0.40}
"""

RULES = """
- id: ask-a-faulted-connector
  when: { event: statusChanged, where: { to: Faulted, ocppErrorCode: InternalError } }
  then:
    - triggerMessage: StatusNotification
"""

SECTIONS = ["session", "authorization", "meterSamples", "billing", "frames", "statusChanges", "faults", "remediation", "audit"]


def canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class Charger(ocpp.v16.ChargePoint):
    """Answers TriggerMessage StatusNotification by reporting the connector recovered."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.triggered = asyncio.Event()

    @on("TriggerMessage")
    def on_trigger(self, requested_message, connector_id=None, **kwargs):
        self.triggered.set()
        return result16.TriggerMessage(status="Accepted")


def vigil(*args) -> subprocess.CompletedProcess:
    return subprocess.run([str(vigil_binary()), *args], capture_output=True, text=True, timeout=STEP)


def get(proc: VigilProcess, path: str) -> tuple[int, bytes, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{proc.port('http')}{path}", timeout=STEP) as answer:
            return answer.status, answer.read(), dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def check_pack(pack: dict) -> None:
    """The verification a third party does, from the documentation alone."""
    body = dict(pack)
    recorded = body.pop("contentHash")
    assert hashlib.sha256(canonical(body)).hexdigest() == recorded
    for name in SECTIONS:
        assert hashlib.sha256(canonical(pack[name])).hexdigest() == pack["sectionHashes"][name], name
    cdr = pack["billing"]["cdr"]
    assert hashlib.sha256(cdr["document"].encode("utf-8")).hexdigest() == cdr["contentHash"]


def embedded(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="vigil-evidence-pack">(.*?)</script>', html, re.S)
    assert found, "no embedded pack"
    return json.loads(found.group(1))


def test_a_session_with_a_fault_in_the_middle_gives_a_verifiable_pack(tmp_path):
    db = tmp_path / "vigil.sqlite"
    config = tmp_path / "vigil.yaml"
    config.write_text(CONFIG)
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "rules.yaml").write_text(RULES)
    proc = VigilProcess(["serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", str(db), "--config", str(config),
                         "--rules", str(rules), "--command-timeout", "5"], ["ocpp", "http"]).start()
    try:
        assert vigil("tokens", "add", "CARD-E", "--parent", "FLEET-E", "--db", str(db)).returncode == 0

        async def session() -> int:
            url = f"ws://127.0.0.1:{proc.port('ocpp')}/ocpp/CP-E1"
            async with connect(url, subprotocols=["ocpp1.6"], open_timeout=STEP, close_timeout=2, ping_interval=None) as ws:
                cp = Charger("CP-E1", ws, response_timeout=STEP)
                reader = asyncio.create_task(cp.start())
                try:
                    await cp.call(call16.BootNotification(charge_point_vendor="Acme", charge_point_model="X1"), suppress=False)
                    auth = await cp.call(call16.Authorize(id_tag="CARD-E"), suppress=False)
                    assert auth.id_tag_info["status"] == "Accepted"
                    start = datetime.now(timezone.utc)
                    started = await cp.call(call16.StartTransaction(connector_id=1, id_tag="CARD-E", meter_start=1000,
                                                                    timestamp=iso(start)), suppress=False)
                    tx = started.transaction_id
                    await cp.call(call16.StatusNotification(connector_id=1, error_code="NoError", status="Charging"), suppress=False)
                    await cp.call(call16.MeterValues(connector_id=1, transaction_id=tx, meter_value=[
                        {"timestamp": iso(start + timedelta(milliseconds=200)),
                         "sampled_value": [{"value": "6000", "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]}]),
                        suppress=False)
                    await cp.call(call16.StatusNotification(connector_id=1, error_code="InternalError", status="Faulted",
                                                            vendor_error_code="E-17"), suppress=False)
                    await asyncio.wait_for(cp.triggered.wait(), STEP)
                    await cp.call(call16.StatusNotification(connector_id=1, error_code="NoError", status="Available"), suppress=False)
                    await cp.call(call16.StatusNotification(connector_id=1, error_code="NoError", status="Charging"), suppress=False)
                    await cp.call(call16.StopTransaction(transaction_id=tx, meter_stop=11000,
                                                         timestamp=iso(datetime.now(timezone.utc)), reason="Local"), suppress=False)
                    return tx
                finally:
                    reader.cancel()
                    with contextlib.suppress(asyncio.CancelledError, ConnectionClosed, Exception):
                        await asyncio.wait_for(reader, STEP)

        tx = asyncio.run(asyncio.wait_for(session(), 60))
        # Pricing and the command's outcome are written after the answers: wait for both in the pack.
        deadline = time.monotonic() + STEP
        while True:
            status, body, headers = get(proc, f"/api/v1/sessions/{tx}/evidence")
            assert status == 200, body
            pack = json.loads(body)
            commands = pack["remediation"]["commands"]
            if pack["billing"]["priced"] and commands and commands[0]["status"] == "accepted":
                break
            assert time.monotonic() < deadline, json.dumps(pack, indent=1)[:4000]
            time.sleep(0.3)

        assert headers["Content-Type"] == "application/json"
        check_pack(pack)
        assert pack["format"] == "vigil-evidence-pack" and pack["version"] == 1 and pack["complete"] is True
        assert pack["session"]["id"] == tx and pack["session"]["station"] == "CP-E1" and pack["session"]["energyWh"] == "10000.0"
        authorization = pack["authorization"]
        assert (authorization["idToken"], authorization["group"], authorization["verdict"]) == ("CARD-E", "FLEET-E", "accepted")
        assert authorization["authorizeFrameIds"] and authorization["tokenRecordInForceAtStart"] is True
        assert [s["value"] for s in pack["meterSamples"]] == ["6000.0"]
        cdr = json.loads(pack["billing"]["cdr"]["document"])
        assert (cdr["session"], cdr["net"], cdr["currency"]) == (tx, 400, "EUR"), cdr
        assert pack["billing"]["tariffVersion"]["tariffId"] == "standard"
        assert [s["status"] for s in pack["statusChanges"]] == ["Charging", "Faulted", "Available", "Charging"]
        assert [(f["code"], f["vendorErrorCode"]) for f in pack["faults"]] == [("InternalError", "E-17")]
        [decision] = pack["remediation"]["decisions"]
        assert decision["rule"] == "ask-a-faulted-connector" and decision["auditEntryId"] is not None
        [command] = commands
        assert command["action"] == "triggerMessage" and command["auditEntryIds"] and not command["trailFindings"]
        cited = {e["id"] for e in pack["remediation"]["auditEntries"]}
        assert {decision["auditEntryId"], *command["auditEntryIds"]} <= cited
        actions = [json.loads(f["text"])[2] for f in pack["frames"]["items"] if f["text"].startswith("[2,")]
        assert {"Authorize", "StartTransaction", "MeterValues", "StatusNotification", "TriggerMessage", "StopTransaction"} <= set(actions)
        assert pack["audit"]["head"]["entryId"] >= max(cited)

        # The printable page embeds the same pack and prints its hash.
        status, page, headers = get(proc, f"/api/v1/sessions/{tx}/evidence?format=html")
        assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
        html = page.decode("utf-8")
        inner = embedded(html)
        check_pack(inner)
        # Made a moment later than the JSON above: the same records, its own time and hash.
        assert inner["contentHash"] in html and all(inner[name] == pack[name] for name in SECTIONS if name != "audit")
        assert "<script>" not in html and html.count("<script") == 1

        # Errors: unknown session, bad id, bad format.
        assert get(proc, "/api/v1/sessions/999/evidence")[0] == 404
        assert get(proc, "/api/v1/sessions/x/evidence")[0] == 400
        assert get(proc, f"/api/v1/sessions/{tx}/evidence?format=pdf")[0] == 400

        # The CLI: the same contents (made later, so only the time and the chain's head may differ).
        saved = tmp_path / "pack.json"
        made = vigil("sessions", "evidence", str(tx), "--db", str(db), "--out", str(saved))
        assert made.returncode == 0 and "wrote the evidence pack" in made.stdout, made.stdout + made.stderr
        assert saved.stat().st_mode & 0o077 == 0
        from_cli = json.loads(saved.read_text())
        check_pack(from_cli)
        for name in SECTIONS:
            if name != "audit":
                assert from_cli[name] == pack[name], name
        ok = vigil("sessions", "evidence", "--verify", str(saved), "--db", str(db))
        assert ok.returncode == 0 and ok.stdout.startswith("OK:"), ok.stdout + ok.stderr
        page_file = tmp_path / "pack.html"
        page_file.write_text(html)
        assert vigil("sessions", "evidence", "--verify", str(page_file)).returncode == 0

        # An edited field: exit 1, the section named.
        edited = dict(from_cli)
        edited["meterSamples"] = [dict(from_cli["meterSamples"][0], value="600.0")]
        bad = tmp_path / "edited.json"
        bad.write_text(json.dumps(edited))
        failed = vigil("sessions", "evidence", "--verify", str(bad), "--db", str(db))
        assert failed.returncode == 1, failed.stdout + failed.stderr
        assert "section meterSamples differs" in failed.stdout and "contentHash" in failed.stdout, failed.stdout
        assert 'meterSamples[0].value: the file has "600.0", the database "6000.0"' in failed.stdout, failed.stdout
        assert vigil("sessions", "evidence", "999", "--db", str(db)).returncode == 1
        assert vigil("sessions", "evidence", "nope", "--db", str(db)).returncode == 2
    finally:
        proc.close()
