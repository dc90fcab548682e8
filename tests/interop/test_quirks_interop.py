"""Vendor quirk profiles against `vigil serve` with the shipped VendorCodes/: a station that
boots as a vendor with a documented quirk gets exactly that leniency (and a station of another
vendor sending the same frame does not), every use is recorded (`vigil stations quirks`), and a
CPMS-side quirk (a remote start that must name a connector) reaches a Python `ocpp` charge point.
Raw WebSocket stations send the non-compliant frames, since the `ocpp` package would refuse to.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import time
import urllib.request
from pathlib import Path

from websockets.asyncio.client import connect

import ocpp.v16
import ocpp.v16.call as call16
import ocpp.v16.call_result as result16
from ocpp.routing import on

from conftest import VigilProcess, vigil_binary

STEP = 10.0


def start(tmp_path: Path) -> VigilProcess:
    return VigilProcess(["serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", str(tmp_path / "vigil.sqlite"),
                         "--command-timeout", "5"], ["ocpp", "http"]).start()


def stations_cli(tmp_path: Path, *args) -> subprocess.CompletedProcess:
    return subprocess.run([str(vigil_binary()), "stations", *args, "--db", str(tmp_path / "vigil.sqlite")],
                          capture_output=True, text=True, timeout=STEP)


async def exchange(ws, message_id: str, action: str, payload: dict) -> list:
    await ws.send(json.dumps([2, message_id, action, payload]))
    return json.loads(await asyncio.wait_for(ws.recv(), STEP))


async def raw_station(proc: VigilProcess, station: str, vendor: str, model: str):
    ws = await connect(f"ws://127.0.0.1:{proc.port('ocpp')}/ocpp/{station}", subprotocols=["ocpp1.6"], open_timeout=STEP,
                       ping_interval=None)
    boot = await exchange(ws, "b1", "BootNotification", {"chargePointVendor": vendor, "chargePointModel": model})
    assert boot[0] == 3 and boot[2]["status"] == "Accepted", boot
    return ws


def wait_for_quirks(tmp_path: Path, station: str, count: int) -> list[dict]:
    deadline = time.monotonic() + STEP
    while True:
        uses = json.loads(stations_cli(tmp_path, "quirks", station, "--json").stdout or "[]")
        if sum(use["count"] for use in uses) >= count or time.monotonic() > deadline:
            return uses
        time.sleep(0.2)


def test_legrand_error_code_is_substituted_only_for_legrand(tmp_path):
    proc = start(tmp_path)
    try:
        async def scenario():
            frame = {"connectorId": 1, "errorCode": "Error", "status": "Faulted", "vendorErrorCode": "E7"}
            legrand = await raw_station(proc, "CP-LEGRAND", "Legrand", "GreenUp Premium")
            reply = await exchange(legrand, "s1", "StatusNotification", frame)
            assert reply == [3, "s1", {}], reply
            await legrand.close()
            other = await raw_station(proc, "CP-OTHER", "Acme", "X1")
            reply = await exchange(other, "s1", "StatusNotification", frame)
            assert reply[0] == 4 and reply[2] == "PropertyConstraintViolation" and "errorCode" in reply[3], reply
            await other.close()
        asyncio.run(scenario())
        uses = wait_for_quirks(tmp_path, "CP-LEGRAND", 1)
        assert [(u["quirk"], u["kind"], u["action"], u["path"], u["example"]) for u in uses] == [
            ("legrand-error-code-error", "substitute", "StatusNotification", "errorCode", "Error")]
        assert stations_cli(tmp_path, "quirks", "CP-OTHER").stdout.startswith("no leniency applied")
        shown = json.loads(stations_cli(tmp_path, "show", "CP-LEGRAND", "--json").stdout)
        connector = shown["connectors"][0]
        assert connector["status"] == "Faulted" and connector["errorCode"] == "OtherError", connector
        assert connector["vendorErrorCode"] == "E7"
    finally:
        proc.close()


def test_tolerance_is_limited_to_the_quirks_fields(tmp_path):
    proc = start(tmp_path)
    try:
        async def scenario():
            # Schneider's quirk tolerates long serial numbers in BootNotification only, from the first boot on.
            ws = await connect(f"ws://127.0.0.1:{proc.port('ocpp')}/ocpp/CP-EVLINK", subprotocols=["ocpp1.6"], open_timeout=STEP,
                               ping_interval=None)
            serial = "EVB1A22P4KI3N2119113054000000000"
            boot = await exchange(ws, "b1", "BootNotification", {"chargePointVendor": "Schneider Electric",
                                                                 "chargePointModel": "EVlink Smart Wallbox",
                                                                 "chargeBoxSerialNumber": serial})
            assert boot[0] == 3 and boot[2]["status"] == "Accepted", boot
            # …but not elsewhere: an over-long idTag is still refused.
            auth = await exchange(ws, "a1", "Authorize", {"idTag": "X" * 21})
            assert auth[0] == 4 and auth[2] == "PropertyConstraintViolation", auth
            await ws.close()

        asyncio.run(scenario())
        uses = wait_for_quirks(tmp_path, "CP-EVLINK", 1)
        assert [(u["quirk"], u["kind"], u["path"]) for u in uses] == [("evlink-long-serials", "overlongStrings", "chargeBoxSerialNumber")]
    finally:
        proc.close()


class RemoteStartCharger(ocpp.v16.ChargePoint):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.remote_starts: list[dict] = []

    @on("RemoteStartTransaction")
    def on_remote_start(self, **kwargs):
        self.remote_starts.append(kwargs)
        return result16.RemoteStartTransaction(status="Accepted" if "connector_id" in kwargs else "Rejected")


def test_remote_start_names_a_connector_for_charx(tmp_path):
    proc = start(tmp_path)
    try:
        async def scenario():
            url = f"ws://127.0.0.1:{proc.port('ocpp')}/ocpp/CP-CHARX"
            async with connect(url, subprotocols=["ocpp1.6"], open_timeout=STEP, ping_interval=None) as ws:
                cp = RemoteStartCharger("CP-CHARX", ws, response_timeout=STEP)
                reader = asyncio.create_task(cp.start())
                # The real vendor and model names are longer than the schema allows: the package must not check it, Vigil
                # accepts it for this vendor only (charx-long-identity) on the very first boot.
                boot = await cp.call(call16.BootNotification(charge_point_vendor="Phoenix Contact GmbH & Co. KG",
                                                             charge_point_model="EV-CC-AC1-M3-CBC-RCM-ETH-3PN-SER"),
                                     suppress=False, skip_schema_validation=True)
                assert boot.status == "Accepted"
                request = urllib.request.Request(
                    f"http://127.0.0.1:{proc.port('http')}/api/v1/stations/CP-CHARX/commands",
                    data=json.dumps({"command": "start", "idTag": "CARD-1", "by": "dana"}).encode(),
                    headers={"Content-Type": "application/json"}, method="POST")
                body = await asyncio.get_running_loop().run_in_executor(
                    None, lambda: urllib.request.urlopen(request, timeout=STEP).read())
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reader
                return cp.remote_starts, json.loads(body)
        starts, outcome = asyncio.run(scenario())
        assert starts == [{"connector_id": 1, "id_tag": "CARD-1"}], starts
        assert outcome["outcome"] == "accepted", outcome
        uses = wait_for_quirks(tmp_path, "CP-CHARX", 3)
        assert sorted((u["quirk"], u["kind"]) for u in uses) == [("charx-long-identity", "overlongStrings"), ("charx-long-identity", "overlongStrings"),
                                                                 ("charx-remote-start-needs-connector", "remoteStartNeedsConnector")]
    finally:
        proc.close()
