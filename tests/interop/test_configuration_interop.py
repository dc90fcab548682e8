"""Configuration commands through `vigil serve` to Python `ocpp` charge points: reading settings
(1.6 GetConfiguration, 2.0.1 GetVariables) with `vigil stations configuration`, changing one
(ChangeConfiguration / SetVariables) with `vigil stations command … configure`, audited; and the
Grizzl-E quirk: its malformed GetConfiguration reply is repaired, so the read still succeeds."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
from pathlib import Path

from websockets.asyncio.client import connect

import ocpp.v16
import ocpp.v16.call as call16
import ocpp.v16.call_result as result16
import ocpp.v201
import ocpp.v201.call as call201
import ocpp.v201.call_result as result201
from ocpp.routing import on

from conftest import VigilProcess, vigil_binary
from conftest import charge_point

STEP = 10.0


class Charger16(ocpp.v16.ChargePoint):
    settings = {"HeartbeatInterval": "300", "MeterValueSampleInterval": "60"}

    @on("GetConfiguration")
    def on_get_configuration(self, key=None, **_):
        wanted = key or list(self.settings)
        return result16.GetConfiguration(
            configuration_key=[{"key": k, "readonly": k == "MeterValueSampleInterval", "value": self.settings[k]} for k in wanted if k in self.settings],
            unknown_key=[k for k in wanted if k not in self.settings] or None)

    @on("ChangeConfiguration")
    def on_change_configuration(self, key, value, **_):
        if key not in self.settings:
            return result16.ChangeConfiguration(status="NotSupported")
        self.settings[key] = value
        return result16.ChangeConfiguration(status="Accepted")


class Charger201(ocpp.v201.ChargePoint):
    variables = {("OCPPCommCtrlr", "HeartbeatInterval"): "120"}

    @on("GetVariables")
    def on_get_variables(self, get_variable_data, **_):
        results = []
        for item in get_variable_data:
            name = (item["component"]["name"], item["variable"]["name"])
            known = name in self.variables
            results.append({"attribute_status": "Accepted" if known else "UnknownVariable", "component": item["component"],
                            "variable": item["variable"], **({"attribute_value": self.variables[name]} if known else {})})
        return result201.GetVariables(get_variable_result=results)

    @on("SetVariables")
    def on_set_variables(self, set_variable_data, **_):
        item = set_variable_data[0]
        self.variables[(item["component"]["name"], item["variable"]["name"])] = item["attribute_value"]
        return result201.SetVariables(set_variable_result=[{"attribute_status": "RebootRequired", "component": item["component"],
                                                            "variable": item["variable"]}])


def stations(proc: VigilProcess, db: Path, *args) -> subprocess.CompletedProcess:
    return subprocess.run([str(vigil_binary()), "stations", *args, "--http", f"127.0.0.1:{proc.port('http')}", "--db", str(db)],
                          capture_output=True, text=True, timeout=STEP)


async def in_thread(function, *args):
    return await asyncio.get_running_loop().run_in_executor(None, function, *args)


def test_read_and_change_configuration_on_both_versions(tmp_path):
    db = tmp_path / "vigil.sqlite"
    proc = VigilProcess(["serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", str(db)], ["ocpp", "http"]).start()
    try:
        async def scenario():
            async with charge_point(proc, "CP-C16", "ocpp1.6", Charger16) as cp16, charge_point(proc, "CS-C201", "ocpp2.0.1", Charger201) as cp201:
                await cp16.call(call16.BootNotification(charge_point_vendor="ABB", charge_point_model="X"), suppress=False)
                await cp201.call(call201.BootNotification(charging_station={"model": "M", "vendor_name": "V"}, reason="PowerUp"), suppress=False)

                everything = await in_thread(stations, proc, db, "configuration", "CP-C16")
                assert everything.returncode == 0, everything.stdout + everything.stderr
                assert everything.stdout.splitlines() == ["HeartbeatInterval = 300", "MeterValueSampleInterval = 60  (read-only)"]
                some = json.loads((await in_thread(stations, proc, db, "configuration", "CP-C16", "--key", "HeartbeatInterval,Nope", "--json")).stdout)
                assert some["settings"] == [{"key": "HeartbeatInterval", "value": "300", "readonly": False, "status": "Accepted"}]
                assert some["unknown"] == ["Nope"]

                changed = await in_thread(stations, proc, db, "command", "CP-C16", "configure", "--key", "HeartbeatInterval", "--value", "900",
                                          "--by", "dana", "--reason", "fewer heartbeats")
                assert changed.returncode == 0 and "configure HeartbeatInterval=900 → accepted" in changed.stdout, changed.stdout
                assert cp16.settings["HeartbeatInterval"] == "900"
                refused = await in_thread(stations, proc, db, "command", "CP-C16", "configure", "--key", "Nope", "--value", "1", "--by", "dana")
                assert refused.returncode == 1 and "rejected: NotSupported" in refused.stdout, refused.stdout
                # What the station's schema would refuse is a usage error, told before anything is sent or audited.
                long_tag = await in_thread(stations, proc, db, "command", "CP-C16", "start", "--id-tag", "THIS-TAG-IS-WAY-TOO-LONG-FOR-OCPP",
                                           "--by", "dana")
                assert long_tag.returncode == 2, long_tag.stdout + long_tag.stderr
                assert "--id-tag is 33 characters; OCPP 1.6 allows at most 20" in long_tag.stderr + long_tag.stdout
                no_dot = await in_thread(stations, proc, db, "command", "CS-C201", "configure", "--key", "HeartbeatInterval", "--value", "1",
                                         "--by", "dana")
                assert no_dot.returncode == 2 and "--key must be Component.Variable" in no_dot.stderr + no_dot.stdout, no_dot.stderr

                read201 = await in_thread(stations, proc, db, "configuration", "CS-C201", "--key", "OCPPCommCtrlr.HeartbeatInterval,Foo.Bar")
                assert read201.stdout.splitlines() == ["OCPPCommCtrlr.HeartbeatInterval = 120", "Foo.Bar: unknown to the station"], read201.stdout
                set201 = await in_thread(stations, proc, db, "command", "CS-C201", "configure", "--key", "OCPPCommCtrlr.HeartbeatInterval",
                                         "--value", "600", "--by", "dana")
                assert "→ scheduled" in set201.stdout, set201.stdout   # RebootRequired: takes effect after a reboot
                assert cp201.variables[("OCPPCommCtrlr", "HeartbeatInterval")] == "600"
                whole = await in_thread(stations, proc, db, "configuration", "CS-C201")
                assert whole.returncode == 1 and "GetBaseReport" in whole.stdout, whole.stdout
        asyncio.run(scenario())
    finally:
        proc.close()
    audit = subprocess.run([str(vigil_binary()), "audit", "query", "--db", str(db), "--station", "CP-C16"], capture_output=True, text=True,
                           timeout=STEP).stdout
    assert "manual configure HeartbeatInterval=900" in audit and "fewer heartbeats" in audit, audit
    assert "manual start" not in audit, audit


def test_grizzle_broken_configuration_reply_is_repaired(tmp_path):
    db = tmp_path / "vigil.sqlite"
    proc = VigilProcess(["serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", str(db)], ["ocpp", "http"]).start()
    try:
        async def scenario():
            async with connect(f"ws://127.0.0.1:{proc.port('ocpp')}/ocpp/GRS-0001", subprotocols=["ocpp1.6"], open_timeout=STEP,
                               ping_interval=None) as ws:
                await ws.send(json.dumps([2, "b1", "BootNotification", {"chargePointVendor": "United Chargers", "chargePointModel": "GRS-48"}]))
                assert json.loads(await asyncio.wait_for(ws.recv(), STEP))[2]["status"] == "Accepted"
                pending = asyncio.ensure_future(in_thread(stations, proc, db, "configuration", "GRS-0001", "--key", "WebSocketPingInterval", "--json"))
                call = json.loads(await asyncio.wait_for(ws.recv(), STEP))
                assert call[2] == "GetConfiguration" and call[3] == {"key": ["WebSocketPingInterval"]}
                # What the firmware really sends for a key it does not know: not JSON.
                await ws.send('[3,"%s",{"configurationKey":],"unknownKey":["WebSocketPingInterval"]}]' % call[1])
                return json.loads((await pending).stdout)
        reply = asyncio.run(scenario())
        assert reply == {"station": "GRS-0001", "settings": [], "unknown": ["WebSocketPingInterval"]}, reply
    finally:
        proc.close()   # a clean stop writes the quirk record's last batch
    uses = json.loads(subprocess.run([str(vigil_binary()), "stations", "quirks", "GRS-0001", "--json", "--db", str(db)],
                                     capture_output=True, text=True, timeout=STEP).stdout)
    assert [(u["quirk"], u["kind"]) for u in uses] == [("grizzle-empty-configuration-list", "repairFrame")], uses


def test_security_profile_is_recorded_per_station(tmp_path):
    """A charger over plain ws:// without credentials is profile 0; so is one that sends HTTP Basic
    credentials for a station without a password (nothing checked them: profile 1 is checked
    credentials, test_station_password_is_required_once_set)."""
    db = tmp_path / "vigil.sqlite"
    proc = VigilProcess(["serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", str(db)], ["ocpp", "http"]).start()
    try:
        async def boot(name, headers):
            async with connect(f"ws://127.0.0.1:{proc.port('ocpp')}/ocpp/{name}", subprotocols=["ocpp1.6"], open_timeout=STEP,
                               ping_interval=None, additional_headers=headers) as ws:
                await ws.send(json.dumps([2, "b1", "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}]))
                assert json.loads(await asyncio.wait_for(ws.recv(), STEP))[2]["status"] == "Accepted"
        asyncio.run(boot("CP-PLAIN", {}))
        asyncio.run(boot("CP-BASIC", {"Authorization": "Basic Q1AtQkFTSUM6c2VjcmV0"}))
    finally:
        proc.close()
    for name, profile in (("CP-PLAIN", 0), ("CP-BASIC", 0)):
        shown = json.loads(subprocess.run([str(vigil_binary()), "stations", "show", name, "--json", "--db", str(db)],
                                          capture_output=True, text=True, timeout=STEP).stdout)
        assert shown["securityProfile"] == profile, shown


def test_station_password_is_required_once_set(tmp_path):
    """Security profile 1: a station with a password must give it (HTTP Basic, username = its id);
    under --station-auth required a station without one is refused too."""
    import base64
    from websockets.exceptions import InvalidStatus

    db = tmp_path / "vigil.sqlite"
    subprocess.run([str(vigil_binary()), "stations", "add", "CP-KEY", "--db", str(db)], check=True, capture_output=True, timeout=STEP)
    made = subprocess.run([str(vigil_binary()), "stations", "password", "CP-KEY", "--db", str(db)], capture_output=True, text=True,
                          timeout=STEP)
    password = made.stdout.strip().splitlines()[-1]
    assert len(password) == 40, made.stdout
    proc = VigilProcess(["serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", str(db), "--station-auth", "required"],
                        ["ocpp", "http"]).start()
    try:
        def header(user, secret):
            return {"Authorization": "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()}

        async def attempt(name, headers):
            try:
                async with connect(f"ws://127.0.0.1:{proc.port('ocpp')}/ocpp/{name}", subprotocols=["ocpp1.6"], open_timeout=STEP,
                                   ping_interval=None, additional_headers=headers) as ws:
                    await ws.send(json.dumps([2, "b1", "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}]))
                    return json.loads(await asyncio.wait_for(ws.recv(), STEP))[2]["status"]
            except InvalidStatus as refused:
                response = refused.response
                assert response.headers.get("WWW-Authenticate", "").startswith("Basic"), response.headers
                return f"{response.status_code} {response.body.decode().strip()}"

        # One answer whatever failed, so a prober cannot tell which stations have a password; the log says why.
        refused = "401 authentication required for station {}: HTTP Basic with the station id and its password, or a client certificate naming it"
        assert asyncio.run(attempt("CP-KEY", {})) == refused.format("CP-KEY")
        assert asyncio.run(attempt("CP-KEY", header("CP-KEY", "0" * 40))) == refused.format("CP-KEY")
        assert asyncio.run(attempt("CP-KEY", header("CP-OTHER", password))) == refused.format("CP-KEY")
        assert asyncio.run(attempt("CP-KEY", header("CP-KEY", password))) == "Accepted"
        assert asyncio.run(attempt("CP-NOKEY", {})) == refused.format("CP-NOKEY")
        log = proc.stderr_text()
        for reason in ("must authenticate with HTTP Basic", "wrong password for station CP-KEY", "the Basic username must be",
                       "station CP-NOKEY has no password set"):
            assert reason in log, log
    finally:
        proc.close()
    shown = json.loads(subprocess.run([str(vigil_binary()), "stations", "show", "CP-KEY", "--json", "--db", str(db)],
                                      capture_output=True, text=True, timeout=STEP).stdout)
    assert shown["securityProfile"] == 1, shown


class Charger16Secret(Charger16):
    settings = {"HeartbeatInterval": "300", "AuthorizationKey": "0123456789abcdef0123456789abcdef01234567"}


def test_configured_authorization_key_is_never_recorded_in_clear(tmp_path):
    """A secret setting (1.6 AuthorizationKey) reaches the station as given, and is redacted in the
    API answer and CLI output, the audit trail, the raw message log and the text log."""
    secret = "s3cr3t-KEY-" + "9f8e7d6c5b4a39281706"
    db = tmp_path / "vigil.sqlite"
    proc = VigilProcess(["serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", str(db), "--log-level", "debug"],
                        ["ocpp", "http"]).start()
    try:
        async def scenario():
            async with charge_point(proc, "CP-SEC", "ocpp1.6", Charger16Secret) as cp:
                await cp.call(call16.BootNotification(charge_point_vendor="ABB", charge_point_model="X"), suppress=False)
                changed = await in_thread(stations, proc, db, "command", "CP-SEC", "configure", "--key", "AuthorizationKey", "--value", secret,
                                          "--by", "dana", "--reason", "rotate")
                assert changed.returncode == 0 and "AuthorizationKey=«redacted, 31 chars» → accepted" in changed.stdout, changed.stdout
                assert cp.settings["AuthorizationKey"] == secret   # the station gets the real value
                read = await in_thread(stations, proc, db, "configuration", "CP-SEC", "--json")
                assert secret not in read.stdout and "«redacted, 31 chars»" in read.stdout, read.stdout
                return changed.stdout + read.stdout + read.stderr
        shown = asyncio.run(scenario())
    finally:
        proc.stop()   # a clean stop writes the message log's last batch
        text_log = proc.stderr_text()
        proc.close()
    assert secret not in shown
    assert "CP-SEC" in text_log and secret not in text_log
    audit = subprocess.run([str(vigil_binary()), "audit", "query", "--db", str(db), "--station", "CP-SEC"], capture_output=True, text=True,
                           timeout=STEP).stdout
    assert "manual configure AuthorizationKey=«redacted, 31 chars»" in audit and secret not in audit, audit
    frames = subprocess.run([str(vigil_binary()), "stations", "log", "CP-SEC", "--db", str(db), "--limit", "100"], capture_output=True,
                            text=True, timeout=STEP).stdout
    assert "ChangeConfiguration" in frames and "configurationKey" in frames, frames
    assert secret not in frames, frames
    for path in (db, db.with_name(db.name + "-wal")):
        assert not path.exists() or secret.encode() not in path.read_bytes(), path


def test_an_earlier_password_digest_is_upgraded_at_the_next_good_login(tmp_path):
    """Digests of earlier versions (one salted HMAC) still let their station in; the first good
    login replaces them with PBKDF2 (`pbkdf2-sha256$…`), and a wrong password still fails. The
    database and the audit key are created readable by their owner only."""
    import base64
    import hashlib
    import hmac
    import sqlite3
    import stat
    from websockets.exceptions import InvalidStatus

    db = tmp_path / "vigil.sqlite"
    subprocess.run([str(vigil_binary()), "stations", "add", "CP-OLD", "--db", str(db)], check=True, capture_output=True, timeout=STEP)
    password, salt = "0123456789abcdef0123", bytes(range(16))
    legacy = "hmac-sha256$" + salt.hex() + "$" + hmac.new(salt, password.encode(), hashlib.sha256).hexdigest()
    with contextlib.closing(sqlite3.connect(db)) as connection, connection:
        connection.execute("UPDATE stations SET auth_digest = ? WHERE id = 'CP-OLD'", (legacy,))
    proc = VigilProcess(["serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", str(db)], ["ocpp", "http"]).start()
    try:
        async def attempt(secret):
            headers = {"Authorization": "Basic " + base64.b64encode(f"CP-OLD:{secret}".encode()).decode()}
            try:
                async with connect(f"ws://127.0.0.1:{proc.port('ocpp')}/ocpp/CP-OLD", subprotocols=["ocpp1.6"], open_timeout=STEP,
                                   ping_interval=None, additional_headers=headers) as ws:
                    await ws.send(json.dumps([2, "b1", "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}]))
                    return json.loads(await asyncio.wait_for(ws.recv(), STEP))[2]["status"]
            except InvalidStatus as refused:
                return str(refused.response.status_code)

        assert asyncio.run(attempt("wrong-0123456789abcd")) == "401"
        assert asyncio.run(attempt(password)) == "Accepted"
        assert asyncio.run(attempt(password)) == "Accepted"   # against the upgraded digest
        assert asyncio.run(attempt("wrong-0123456789abcd")) == "401"
    finally:
        proc.close()
    with contextlib.closing(sqlite3.connect(db)) as connection:
        stored = connection.execute("SELECT auth_digest FROM stations WHERE id = 'CP-OLD'").fetchone()[0]
    assert stored.startswith("pbkdf2-sha256$210000$"), stored
    for path in (db, tmp_path / "audit.key"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, (path, oct(path.stat().st_mode))


def test_serve_warns_about_secret_files_others_can_read(tmp_path):
    db = tmp_path / "vigil.sqlite"
    subprocess.run([str(vigil_binary()), "stations", "add", "CP-1", "--db", str(db)], check=True, capture_output=True, timeout=STEP)
    db.chmod(0o644)
    proc = VigilProcess(["serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", str(db)], ["ocpp", "http"]).start()
    try:
        proc.stop()
        text_log = proc.stderr_text()
    finally:
        proc.close()
    assert f"chmod 600 {db}" in text_log, text_log


def test_a_declared_station_is_made_stricter_by_the_file_and_other_changes_are_named(tmp_path):
    """The registry owns a declared station after its first start, but the config file can
    always reject (or hold pending) one: blocking a compromised charger there was ignored."""
    db = tmp_path / "vigil.sqlite"
    config = tmp_path / "vigil.yaml"

    def serve_once() -> str:
        proc = VigilProcess(["serve", "--config", str(config), "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", str(db)],
                            ["ocpp", "http"]).start()
        try:
            proc.stop()
            return proc.stderr_text()
        finally:
            proc.close()

    def shown() -> dict:
        run = subprocess.run([str(vigil_binary()), "stations", "show", "CP-X", "--json", "--db", str(db)],
                             capture_output=True, text=True, timeout=STEP)
        assert run.returncode == 0, run.stderr
        return json.loads(run.stdout)

    config.write_text("stations:\n  - {id: CP-X, site: a}\n")
    serve_once()
    assert shown()["registration"] == "accepted" and shown()["site"] == "a"
    config.write_text("stations:\n  - {id: CP-X, site: b, registration: rejected}\n")
    log = serve_once()
    assert shown()["registration"] == "rejected" and shown()["site"] == "a", shown()
    assert "registration set from the config file" in log and "vigil stations site CP-X b" in log, log
    # Looser than the registry: named, not applied (the CLI's accept is the way back).
    config.write_text("stations:\n  - {id: CP-X, site: a, registration: accepted}\n")
    log = serve_once()
    assert shown()["registration"] == "rejected", shown()
    assert "registration not applied" in log and "vigil stations accept CP-X" in log, log
    # Saying nothing about registration says nothing.
    config.write_text("stations:\n  - {id: CP-X, site: a}\n")
    assert "registration" not in serve_once()
    # pending is not re-applied: it would undo every `stations accept` at the next restart.
    subprocess.run([str(vigil_binary()), "stations", "accept", "CP-X", "--db", str(db)], check=True, capture_output=True, timeout=STEP)
    config.write_text("stations:\n  - {id: CP-X, site: a, registration: pending}\n")
    log = serve_once()
    assert shown()["registration"] == "accepted" and "registration not applied" in log, (shown(), log)


def test_a_command_whose_connection_closes_before_the_answer_is_not_reported_as_never_sent(tmp_path):
    """A reset often drops the socket before its answer: the CLI and the trail say it was sent
    and the connection was lost, not `not connected` (which reads as never sent)."""
    db = tmp_path / "vigil.sqlite"
    proc = VigilProcess(["serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", str(db)], ["ocpp", "http"]).start()
    try:
        async def scenario():
            url = f"ws://127.0.0.1:{proc.port('ocpp')}/ocpp/CP-DROP"
            async with connect(url, subprotocols=["ocpp1.6"], open_timeout=STEP) as ws:
                await ws.send(json.dumps([2, "b1", "BootNotification", {"chargePointVendor": "Acme", "chargePointModel": "X1"}]))
                assert json.loads(await asyncio.wait_for(ws.recv(), STEP))[0] == 3
                command = asyncio.create_task(asyncio.to_thread(
                    subprocess.run, [str(vigil_binary()), "stations", "command", "CP-DROP", "reset", "--by", "dana",
                                     "--http", f"127.0.0.1:{proc.port('http')}"], capture_output=True, text=True, timeout=30))
                reset = json.loads(await asyncio.wait_for(ws.recv(), STEP))
                assert reset[2] == "Reset", reset
                await ws.close()   # rebooting: no answer
                return await command
        result = asyncio.run(scenario())
    finally:
        proc.stop()
        proc.close()
    assert result.returncode == 1, result.stdout + result.stderr
    text = result.stdout + result.stderr
    assert "connection lost before the answer (sent: the station may have acted on it)" in text, text
    trail = subprocess.run([str(vigil_binary()), "audit", "query", "--db", str(db), "--json"], capture_output=True, text=True, timeout=STEP)
    outcomes = [json.loads(line).get("outcome") for line in trail.stdout.splitlines() if line.strip()]
    assert "connection lost before the answer (sent: the station may have acted on it)" in outcomes, outcomes


def test_profiles_2_and_3_share_the_listener_with_a_client_ca(tmp_path):
    """With --tls-client-ca a charger with a certificate naming it connects without a password,
    one without a certificate connects with its password (profile 2: a fleet moves station by
    station), and one with neither is refused with the reason logged (the handshake used to end
    silently for every station without a certificate)."""
    import base64
    import ssl
    from websockets.exceptions import InvalidStatus

    def openssl(*args):
        subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True, cwd=tmp_path)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "1", "-subj", "/CN=Test CA")
    (tmp_path / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    for name, ext in (("server", ["-extfile", "san.ext"]), ("CP-CERT", [])):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}")
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", f"{name}.crt",
                "-days", "1", *ext)
    db = tmp_path / "vigil.sqlite"
    subprocess.run([str(vigil_binary()), "stations", "add", "CP-PASS", "--db", str(db)], check=True, capture_output=True, timeout=STEP)
    password = subprocess.run([str(vigil_binary()), "stations", "password", "CP-PASS", "--db", str(db)], capture_output=True, text=True,
                              timeout=STEP).stdout.strip().splitlines()[-1]
    proc = VigilProcess(["serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", str(db), "--tls-cert", str(tmp_path / "server.crt"),
                         "--tls-key", str(tmp_path / "server.key"), "--tls-client-ca", str(tmp_path / "ca.crt")], ["ocpp", "http"]).start()
    try:
        async def attempt(name, certificate=None, secret=None):
            context = ssl.create_default_context(cafile=str(tmp_path / "ca.crt"))
            if certificate:
                context.load_cert_chain(str(tmp_path / f"{certificate}.crt"), str(tmp_path / f"{certificate}.key"))
            headers = {"Authorization": "Basic " + base64.b64encode(f"{name}:{secret}".encode()).decode()} if secret else {}
            try:
                async with connect(f"wss://127.0.0.1:{proc.port('ocpp')}/ocpp/{name}", subprotocols=["ocpp1.6"], ssl=context,
                                   open_timeout=STEP, ping_interval=None, additional_headers=headers) as ws:
                    await ws.send(json.dumps([2, "b1", "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}]))
                    return json.loads(await asyncio.wait_for(ws.recv(), STEP))[2]["status"]
            except InvalidStatus as refused:
                return refused.response.status_code

        assert asyncio.run(attempt("CP-CERT", certificate="CP-CERT")) == "Accepted"
        assert asyncio.run(attempt("CP-PASS", secret=password)) == "Accepted"
        assert asyncio.run(attempt("CP-PASS")) == 401
        assert asyncio.run(attempt("CP-NONE")) == 401
        log = proc.stderr_text()
        assert "refused charger" in log and "CP-NONE" in log, log
    finally:
        proc.stop()
        proc.close()
    profiles = {station: json.loads(subprocess.run([str(vigil_binary()), "stations", "show", station, "--json", "--db", str(db)],
                                                   capture_output=True, text=True, timeout=STEP).stdout)["securityProfile"]
                for station in ("CP-CERT", "CP-PASS")}
    assert profiles == {"CP-CERT": 3, "CP-PASS": 2}, profiles
