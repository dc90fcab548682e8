"""Connector types and the running cost end to end: `vigil serve --config` declares a station's
connectors (CCS2 on EVSE 1, Type2 on EVSE 2) and two tariffs for its site that differ by
connector type; a Python `ocpp` 2.0.1 charging station runs a session on each. While the CCS2
session runs, the station receives `CostUpdated` with the running cost (after the answer to its
TransactionEvent, at most once per interval); the Ended answer carries the total; each CDR
records its connector type and is priced by its own tariff — all checked against figures worked
out by hand below."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import ocpp.v201
import ocpp.v201.call as call201
import ocpp.v201.call_result as result201
from ocpp.routing import on

from conftest import VigilProcess, vigil_binary
from conftest import charge_point as station

STEP = 10.0

CONFIG = """
stations:
  - {id: CS-RC1, site: depot-north, connectors: {1: CCS2, 2: Type2}}
tariffs:
  - {id: north-dc, site: depot-north, connectorType: CCS2, currency: EUR, vatPercent: 19, bands: [{energyPerKWh: 0.60}]}
  - {id: north-ac, site: depot-north, connectorType: Type2, currency: EUR, vatPercent: 19, bands: [{energyPerKWh: 0.30}]}
  - {id: standard, currency: EUR, vatPercent: 19, bands: [{energyPerKWh: 0.40}]}
billing: {costUpdatedInterval: 5m}
"""


class Charger(ocpp.v201.ChargePoint):
    """Takes CostUpdated, keeping each (totalCost, transactionId) and what came just before it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.costs: asyncio.Queue = asyncio.Queue()

    @on("CostUpdated")
    def on_cost_updated(self, total_cost, transaction_id, **_):
        self.costs.put_nowait((total_cost, transaction_id))
        return result201.CostUpdated()


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def cli(db: Path, *args) -> str:
    run = subprocess.run([str(vigil_binary()), *args, "--db", str(db)], capture_output=True, text=True, timeout=STEP)
    assert run.returncode == 0, run.stderr
    return run.stdout


def export(db: Path, fmt: str) -> str:
    return cli(db, "billing", "export", "--from", "2020-01-01T00:00:00Z", "--to", "2100-01-01T00:00:00Z", "--format", fmt)


def event(kind: str, at: datetime, seq: int, tx: str, wh: float, evse: int | None = None, **extra):
    return call201.TransactionEvent(
        event_type=kind, timestamp=iso(at), seq_no=seq,
        trigger_reason={"Started": "CablePluggedIn", "Updated": "MeterValuePeriodic", "Ended": "EVCommunicationLost"}[kind],
        transaction_info={"transaction_id": tx, **({"stopped_reason": "EVDisconnected"} if kind == "Ended" else {})},
        meter_value=[{"timestamp": iso(at), "sampled_value": [{"value": wh, "measurand": "Energy.Active.Import.Register"}]}],
        **({"evse": {"id": evse, "connector_id": 1}} if evse else {}), **extra)


def test_a_ccs2_session_gets_its_running_cost_and_each_connector_its_tariff(tmp_path):
    db = tmp_path / "vigil.sqlite"
    config = tmp_path / "vigil.yaml"
    config.write_text(CONFIG)
    check = subprocess.run([str(vigil_binary()), "config", "check", str(config), "--db", str(db), "--json"],
                           capture_output=True, text=True, timeout=STEP)
    assert check.returncode == 0, check.stdout + check.stderr
    assert json.loads(check.stdout)["stations"][0]["connectors"] == {"1": "cCCS2", "2": "sType2"}

    server = VigilProcess(["serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", str(db), "--config", str(config)],
                          ["ocpp", "http"]).start()
    try:
        async def sessions():
            async with station(server, "CS-RC1", "ocpp2.0.1", cls=Charger) as cp:
                reply = await cp.call(call201.BootNotification(charging_station={"model": "HYC300", "vendor_name": "alpitronic"},
                                                               reason="PowerUp"), suppress=False)
                assert reply.status == "Accepted"
                begin = datetime.now(timezone.utc)
                await cp.call(event("Started", begin, 0, "TX-DC", 1000.0, evse=1), suppress=False)
                # 5 kWh on the CCS2 connector: 5 × 0.60 = 3.00, VAT 19 % 0.57: 3.57 so far. The
                # answer comes first; the CostUpdated follows it.
                await cp.call(event("Updated", begin + timedelta(minutes=10), 1, "TX-DC", 6000.0), suppress=False)
                assert await asyncio.wait_for(cp.costs.get(), STEP) == (3.57, "TX-DC")
                # Within the 5-minute interval: no second one.
                await cp.call(event("Updated", begin + timedelta(minutes=11), 2, "TX-DC", 7000.0), suppress=False)
                await asyncio.sleep(1.0)
                assert cp.costs.empty()
                # The end: 10 kWh, 6.00 + 1.14 = 7.14, in the answer.
                ended = await cp.call(event("Ended", begin + timedelta(minutes=20), 3, "TX-DC", 11000.0), suppress=False)
                assert ended.total_cost == 7.14, ended

                # The Type2 connector, under its own tariff: 15 kWh × 0.30 = 4.50, VAT 0.855 → 0.86: 5.36.
                await cp.call(event("Started", begin, 0, "TX-AC", 0.0, evse=2), suppress=False)
                ended = await cp.call(event("Ended", begin + timedelta(hours=2), 1, "TX-AC", 15000.0), suppress=False)
                assert ended.total_cost == 5.36, ended

        asyncio.run(sessions())
        deadline = time.monotonic() + STEP
        lines: list[str] = []
        while time.monotonic() < deadline and len(lines) < 2:
            lines = export(db, "jsonl").splitlines()
            time.sleep(0.2)
        assert len(lines) == 2, cli(db, "billing", "unpriced")
        cdrs = sorted((json.loads(line)["cdr"] for line in lines), key=lambda cdr: cdr["evse"])
        assert [(c["evse"], c["connectorType"], c["tariffId"], c["net"], c["vat"], c["gross"]) for c in cdrs] \
            == [(1, "cCCS2", "north-dc", 600, 114, 714), (2, "sType2", "north-ac", 450, 86, 536)]
        sheet = list(csv.DictReader(io.StringIO(export(db, "csv"), newline="")))
        assert list(sheet[0])[-2:] == ["content_hash", "connector_type"]
        assert sorted((row["connector"], row["connector_type"], row["gross"]) for row in sheet) \
            == [("1", "cCCS2", "7.14"), ("1", "sType2", "5.36")]
    finally:
        server.close()
