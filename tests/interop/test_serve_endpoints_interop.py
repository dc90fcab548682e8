"""Interop tests of `vigil serve`'s endpoints: graceful shutdown (1001 to open WebSockets),
OCPP subprotocol negotiation and the CPMS answering calls from the Python `ocpp` package, the
HTTP API's basic behaviour, and the config file with flags overriding it."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from conftest import vigil_binary
from websocket_support import *  # noqa: F401,F403 — URLs, run, raw-socket helpers


# ---------------------------------------------------------------------------
# Graceful shutdown
# ---------------------------------------------------------------------------


def test_echo_sigterm_closes_websockets_with_1001(vigil_factory):
    proc = vigil_factory("echo")

    async def scenario():
        async with ws_connect(echo_url(proc)) as ws:
            await ws.send("still here?")
            assert await asyncio.wait_for(ws.recv(), STEP) == "still here?"
            proc.signal(signal.SIGTERM)
            with pytest.raises(ConnectionClosed) as info:
                while True:
                    await asyncio.wait_for(ws.recv(), STEP)
            exc = info.value
            assert exc.rcvd is not None, "server went away without a close frame"
            assert exc.rcvd.code == 1001
            assert isinstance(exc, ConnectionClosedOK)  # 1001 both ways, clean

    run(scenario())
    assert proc.wait(timeout=STEP) == 0


def test_serve_sigterm_closes_websockets_with_1001(vigil_factory):
    proc = vigil_factory("serve")

    async def scenario():
        async with ws_connect(ocpp_url(proc, "CP-SHUTDOWN"), subprotocols=["ocpp1.6"]) as ws:
            await ws.send(json.dumps([2, "1", "Heartbeat", {}]))
            reply = json.loads(await asyncio.wait_for(ws.recv(), STEP))
            assert reply[:2] == [3, "1"] and "currentTime" in reply[2]
            proc.signal(signal.SIGTERM)
            with pytest.raises(ConnectionClosed) as info:
                while True:
                    await asyncio.wait_for(ws.recv(), STEP)
            assert info.value.rcvd is not None, "server went away without a close frame"
            assert info.value.rcvd.code == 1001
            assert isinstance(info.value, ConnectionClosedOK)

    run(scenario())
    assert proc.wait(timeout=STEP) == 0


# ---------------------------------------------------------------------------
# vigil serve: OCPP endpoint
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "offered,chosen",
    [
        (["ocpp1.6"], "ocpp1.6"),
        (["ocpp2.0.1"], "ocpp2.0.1"),
        (["ocpp2.0.1", "ocpp1.6"], "ocpp2.0.1"),
        (["ocpp1.6", "ocpp2.0.1"], "ocpp1.6"),
        (["chat", "ocpp1.6"], "ocpp1.6"),
    ],
)
def test_ocpp_subprotocol_negotiation(serve_server, offered, chosen):
    async def scenario():
        async with ws_connect(ocpp_url(serve_server), subprotocols=offered) as ws:
            assert ws.subprotocol == chosen
            assert ws.response.headers["Sec-WebSocket-Protocol"] == chosen

    run(scenario())


@pytest.mark.parametrize("offered", [["chat"], None], ids=["chat", "none"])
def test_ocpp_refuses_without_ocpp_subprotocol(serve_server, offered):
    async def scenario():
        with pytest.raises(InvalidStatus) as info:
            async with ws_connect(ocpp_url(serve_server), subprotocols=offered):
                pass
        response = info.value.response
        assert response.status_code == 400
        body = response.body.decode("utf-8")
        assert "ocpp1.6" in body and "ocpp2.0.1" in body, body

    run(scenario())


def test_ocpp_calls_are_answered_by_the_cpms(serve_server):
    async def scenario():
        async with ws_connect(ocpp_url(serve_server), subprotocols=["ocpp1.6"]) as ws:
            boot = ocpp.messages.Call(
                unique_id="42",
                action="BootNotification",
                payload={"chargePointVendor": "Vigil", "chargePointModel": "Interop"},
            )
            await ws.send(boot.to_json())
            raw = await asyncio.wait_for(ws.recv(), STEP)
            assert isinstance(raw, str), "OCPP-J replies must be text frames"
            reply = json.loads(raw)
            assert reply[:2] == [3, "42"]
            assert reply[2]["status"] == "Accepted" and reply[2]["interval"] == 300
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", reply[2]["currentTime"])

            # An unknown token, a DataTransfer, a known action the CPMS does not handle, and one OCPP 1.6 does not define.
            await ws.send('[2,"abc-122","Authorize",{"idTag":"ABC"}]')
            raw = await asyncio.wait_for(ws.recv(), STEP)
            assert json.loads(raw) == [3, "abc-122", {"idTagInfo": {"status": "Invalid"}}]   # unknown token
            # DataTransfer: Vigil has no vendor extensions, so every vendor is unknown (not an error).
            await ws.send('[2,"abc-121","DataTransfer",{"vendorId":"X"}]')
            raw = await asyncio.wait_for(ws.recv(), STEP)
            assert json.loads(raw) == [3, "abc-121", {"status": "UnknownVendorId"}]
            # A central-system action sent by a charger is a known action Vigil does not handle.
            await ws.send('[2,"abc-123","Reset",{"type":"Soft"}]')
            raw = await asyncio.wait_for(ws.recv(), STEP)
            assert json.loads(raw) == [4, "abc-123", "NotSupported", "Reset is not supported by this central system", {}]
            await ws.send('[2,"abc-124","Teleport",{}]')
            raw = await asyncio.wait_for(ws.recv(), STEP)
            assert json.loads(raw) == [4, "abc-124", "NotImplemented", "action Teleport is not implemented", {}]

    run(scenario())


def test_ocpp201_meter_values_and_log_status_are_answered(serve_server):
    """2.0.1 MeterValues (readings outside a transaction) and LogStatusNotification (the
    diagnostics upload) are answered, not NotSupported; an EVSE id below the prose range is
    PropertyConstraintViolation."""
    async def scenario():
        async with ws_connect(ocpp_url(serve_server, "CS-201-MV"), subprotocols=["ocpp2.0.1"]) as ws:
            async def exchange(text):
                await ws.send(text)
                return json.loads(await asyncio.wait_for(ws.recv(), STEP))
            boot = await exchange('[2,"b1","BootNotification",{"reason":"PowerUp","chargingStation":{"model":"M","vendorName":"V"}}]')
            assert boot[2]["status"] == "Accepted", boot
            sample = '{"timestamp":"2026-12-07T10:00:00Z","sampledValue":[{"value":1234.5,"context":"Sample.Clock"}]}'
            assert await exchange('[2,"m1","MeterValues",{"evseId":1,"meterValue":[' + sample + ']}]') == [3, "m1", {}]
            assert await exchange('[2,"l1","LogStatusNotification",{"status":"Uploaded","requestId":7}]') == [3, "l1", {}]
            refused = await exchange('[2,"m2","MeterValues",{"evseId":-1,"meterValue":[' + sample + ']}]')
            assert refused[:3] == [4, "m2", "PropertyConstraintViolation"], refused
            tripped = ('{"eventId":1,"timestamp":"2026-12-07T10:00:01Z","trigger":"Delta","actualValue":"true","techCode":"E42",'
                       '"eventNotificationType":"HardWiredNotification","component":{"name":"RCD","evse":{"id":2}},"variable":{"name":"Tripped"}}')
            notified = await exchange('[2,"n1","NotifyEvent",{"generatedAt":"2026-12-07T10:00:01Z","seqNo":0,"eventData":[' + tripped + ']}]')
            assert notified == [3, "n1", {}], notified

    run(scenario())
    # A 2.0.1 fault is on no connector's status line: `stations show` lists the station's open faults.
    db = serve_server.args[serve_server.args.index("--db") + 1]
    shown = subprocess.run([str(vigil_binary()), "stations", "show", "CS-201-MV", "--db", db, "--json"], capture_output=True, text=True, timeout=STEP)
    assert shown.returncode == 0, shown
    station = json.loads(shown.stdout)
    assert [(f["evse"], f["code"], f.get("vendorErrorCode")) for f in station["openFaults"]] == [(2, "RCD/Tripped", "E42")], station
    assert station.get("lastBoot"), station
    with urllib.request.urlopen(f"http://127.0.0.1:{serve_server.port('http')}/api/v1/stations/CS-201-MV", timeout=STEP) as response:
        api = json.loads(response.read())
    assert [(f["evse"], f["code"], f["vendorErrorCode"]) for f in api["openFaults"]] == [(2, "RCD/Tripped", "E42")], api
    text = subprocess.run([str(vigil_binary()), "stations", "show", "CS-201-MV", "--db", db], capture_output=True, text=True, timeout=STEP)
    assert "open fault on EVSE 2: RCD/Tripped (vendor code E42)" in text.stdout, text.stdout


def test_ocpp_library_charge_points_boot_and_report_status(serve_server):
    """The `ocpp` package's own ChargePoint (1.6 and 2.0.1) against vigil serve."""

    async def one(version: str, cp_cls, boot, status):
        async with ws_connect(ocpp_url(serve_server, f"CP-{version}"), subprotocols=[version]) as ws:
            assert ws.subprotocol == version
            cp = cp_cls(f"CP-{version}", ws, response_timeout=STEP)
            reader = asyncio.create_task(cp.start())
            try:
                result = await cp.call(boot, suppress=False)
                assert result.status == "Accepted" and result.interval == 300
                await cp.call(status, suppress=False)
            finally:
                reader.cancel()
                try:
                    await reader
                except (asyncio.CancelledError, ConnectionClosed):
                    pass

    async def scenario():
        await one(
            "ocpp1.6",
            ocpp.v16.ChargePoint,
            ocpp.v16.call.BootNotification(charge_point_model="Interop", charge_point_vendor="Vigil"),
            ocpp.v16.call.StatusNotification(connector_id=1, error_code="NoError", status="Available"),
        )
        await one(
            "ocpp2.0.1",
            ocpp.v201.ChargePoint,
            ocpp.v201.call.BootNotification(
                charging_station={"model": "Interop", "vendor_name": "Vigil"}, reason="PowerUp"
            ),
            ocpp.v201.call.StatusNotification(
                timestamp="2026-11-26T01:00:00Z", connector_status="Available", evse_id=1, connector_id=1
            ),
        )

    run(scenario())


def test_ocpp_plain_get_gets_426(serve_server):
    url = f"http://127.0.0.1:{serve_server.port('ocpp')}/ocpp/CP-1"
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(url, timeout=STEP)
    err = info.value
    assert err.code == 426
    # RFC 9110 15.5.22: a 426 response MUST carry an Upgrade header.
    assert err.headers.get("Upgrade", "").lower() == "websocket"
    assert err.read()


def test_ocpp_unmasked_client_frame_gets_1002(serve_server):
    with ws_handshake(serve_server.port("ocpp"), "/ocpp/CP-RAW", ["ocpp1.6"]) as conn:
        conn.send(b"\x81\x05hello")
        expect_close_frame(conn, 1002, reply=True)


# ---------------------------------------------------------------------------
# vigil serve: HTTP API listener
# ---------------------------------------------------------------------------


def test_http_health(serve_server):
    with urllib.request.urlopen(http_url(serve_server, "/api/v1/health"), timeout=STEP) as r:
        assert r.status == 200
        assert r.headers.get_content_type() == "application/json"
        health = json.loads(r.read())
        assert health["status"] == "ok"
        # The durable event log: its head and each consumer's place and lag (events, ms).
        log = health["eventLog"]
        assert [c["name"] for c in log["consumers"]] == ["fraud", "remediation", "rules"]
        assert all(0 <= c["position"] <= log["head"] and c["lag"] >= 0 and c["lagMilliseconds"] >= 0 for c in log["consumers"]), health
        assert [c["name"] for c in health["eventConsumers"]] == ["fraud", "remediation", "rules"]
        assert all(c["dropped"] == 0 and c["capacity"] > 0 for c in health["eventConsumers"]), health


def test_metrics_show_the_event_log_in_prometheus_text(serve_server):
    with urllib.request.urlopen(http_url(serve_server, "/metrics"), timeout=STEP) as r:
        assert r.status == 200
        assert r.headers.get_content_type() == "text/plain"
        text = r.read().decode()
    assert "# TYPE vigil_event_log_head gauge" in text
    for consumer in ("rules", "remediation"):
        assert f'vigil_event_consumer_lag_events{{consumer="{consumer}"}} ' in text
        assert f'vigil_event_consumer_lag_seconds{{consumer="{consumer}"}} ' in text
    # The store's group commits: how many, what they carried and the time they took.
    counters = {line.split()[0]: float(line.split()[1]) for line in text.splitlines()
                if line.startswith("vigil_store_commit") and not line.startswith("vigil_store_commit_duration")}
    assert set(counters) == {"vigil_store_commits_total", "vigil_store_commit_writes_total",
                             "vigil_store_commit_frames_total", "vigil_store_commit_seconds_total"}, text
    assert all(value >= 0 for value in counters.values()), text
    # WAL checkpoints run beside the writer, on their own thread and connection.
    checkpoints = {line.split()[0]: float(line.split()[1]) for line in text.splitlines()
                   if line.startswith(("vigil_store_checkpoint", "vigil_store_wal"))}
    assert set(checkpoints) == {"vigil_store_checkpoints_total", "vigil_store_checkpoint_failures_total",
                                "vigil_store_checkpoint_seconds_total", "vigil_store_wal_restarts_total",
                                "vigil_store_wal_deferred_restarts_total", "vigil_store_wal_pages"}, text
    assert checkpoints["vigil_store_checkpoint_failures_total"] == 0, text
    assert "vigil_store_index_pass_failures_total 0" in text, text


def test_http_stations_reflect_what_chargers_reported(serve_server):
    async def scenario():
        async with ws_connect(ocpp_url(serve_server, "CP-API"), subprotocols=["ocpp1.6"]) as ws:
            await ws.send(json.dumps([2, "b", "BootNotification", {"chargePointVendor": "ABB", "chargePointModel": "CDT_TACW22"}]))
            assert json.loads(await asyncio.wait_for(ws.recv(), STEP))[0] == 3
            await ws.send(json.dumps([2, "s", "StatusNotification",
                                      {"connectorId": 1, "errorCode": "GroundFailure", "status": "Faulted", "vendorErrorCode": "0x0002"}]))
            assert json.loads(await asyncio.wait_for(ws.recv(), STEP)) == [3, "s", {}]

    run(scenario())
    with urllib.request.urlopen(http_url(serve_server, "/api/v1/stations"), timeout=STEP) as r:
        stations = json.loads(r.read())
    assert "CP-API" in [s["id"] for s in stations]
    with urllib.request.urlopen(http_url(serve_server, "/api/v1/stations/CP-API"), timeout=STEP) as r:
        station = json.loads(r.read())
    assert station["vendor"] == "ABB" and station["model"] == "CDT_TACW22" and station["ocppVersion"] == "ocpp1.6"
    assert station["connectors"][0]["status"] == "Faulted"
    assert station["connectors"][0]["errorCode"] == "GroundFailure"
    assert station["connectors"][0]["vendorErrorCode"] == "0x0002"
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(http_url(serve_server, "/api/v1/stations/NOPE"), timeout=STEP)
    assert info.value.code == 404
    assert json.loads(info.value.read()) == {"error": "no station NOPE", "code": "not_found"}


def test_http_unknown_path_is_404(serve_server):
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(http_url(serve_server, "/api/v1/no-such-thing"), timeout=STEP)
    assert info.value.code == 404


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_http_wrong_method_is_405_with_allow(serve_server, method):
    req = urllib.request.Request(
        http_url(serve_server, "/api/v1/health"), method=method, data=b"" if method != "DELETE" else None,
        headers={"Content-Type": "application/json"},  # without it the API answers 415 before routing
    )
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=STEP)
    assert info.value.code == 405
    allow = {m.strip().upper() for m in info.value.headers.get("Allow", "").split(",") if m.strip()}
    assert "GET" in allow
    assert method not in allow


def test_serve_reads_a_config_file_and_flags_override_it(tmp_path):
    """`vigil serve --config`: settings and pre-declared stations from YAML; a flag wins."""
    import subprocess

    from conftest import VigilProcess, vigil_binary

    config = tmp_path / "vigil.yaml"
    config.write_text(
        "ocpp: 127.0.0.1:0\n"
        "http: 127.0.0.1:0\n"
        f"db: {tmp_path / 'vigil.sqlite'}\n"
        "unknownStations: reject\n"
        "heartbeatInterval: 120\n"
        "stations:\n"
        "  - id: CP-DECLARED\n"
    )
    proc = VigilProcess(["serve", "--config", str(config), "--heartbeat-interval", "90"], ["ocpp", "http"]).start()
    try:
        async def boot(station):
            async with ws_connect(ocpp_url(proc, station), subprotocols=["ocpp1.6"]) as ws:
                await ws.send(json.dumps([2, "b", "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}]))
                return json.loads(await asyncio.wait_for(ws.recv(), STEP))[2]

        declared = run(boot("CP-DECLARED"))
        assert declared["status"] == "Accepted" and declared["interval"] == 90   # the flag overrides the file's 120
        assert run(boot("CP-UNKNOWN"))["status"] == "Rejected"                   # unknownStations: reject from the file
    finally:
        proc.stop()

    bad = tmp_path / "bad.yaml"
    bad.write_text("ocpp: 127.0.0.1:0\nheartbeatIntervall: 10\n")
    result = subprocess.run([str(vigil_binary()), "serve", "--config", str(bad)], capture_output=True, text=True, timeout=STEP)
    assert result.returncode == 2
    assert f'{bad}:2:1: config: unknown key "heartbeatIntervall" (did you mean "heartbeatInterval"?)' in result.stderr
