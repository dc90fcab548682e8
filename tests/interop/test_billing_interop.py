"""Billing end to end: `vigil serve --config` with a tariff, a Python `ocpp` 1.6 charge point
runs a session with meter values, and the CDR comes out of `vigil billing export` — priced by
hand below, its content hash checked over the canonical JSON; a changed tariff is stored as a
new version at the next start and does not reprice the session already billed."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import sqlite3
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path


import ocpp.v16
import ocpp.v16.call as call16
import ocpp.v201
import ocpp.v201.call as call201

from conftest import VigilProcess, vigil_binary
from conftest import charge_point as station

STEP = 10.0

CONFIG = """
stations:
  - {{id: CP-B1, site: depot-north}}
tariffs:
  - id: standard
    currency: EUR
    vatPercent: 19
    sessionFee: 0.50
    bands:
      - {{energyPerKWh: {price}}}
"""


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def serve(db: Path, config: Path) -> VigilProcess:
    return VigilProcess(["serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", str(db), "--config", str(config)],
                        ["ocpp", "http"]).start()


def cli(db: Path, *args) -> str:
    run = subprocess.run([str(vigil_binary()), *args, "--db", str(db)], capture_output=True, text=True, timeout=STEP)
    assert run.returncode == 0, run.stderr
    return run.stdout


def export(db: Path, fmt: str) -> str:
    return cli(db, "billing", "export", "--from", "2020-01-01T00:00:00Z", "--to", "2100-01-01T00:00:00Z", "--format", fmt)


def test_a_session_is_priced_into_a_cdr_and_exported(tmp_path):
    db = tmp_path / "vigil.sqlite"
    config = tmp_path / "vigil.yaml"
    config.write_text(CONFIG.format(price="0.40"))
    server = serve(db, config)
    try:
        cli(db, "tokens", "add", "CARD-F", "--parent", "FLEET-ACME")
        start = datetime.now(timezone.utc)

        async def session():
            async with station(server, "CP-B1") as cp:
                reply = await cp.call(call16.BootNotification(charge_point_vendor="ABB", charge_point_model="Terra"), suppress=False)
                assert reply.status == "Accepted"
                started = await cp.call(call16.StartTransaction(connector_id=1, id_tag="CARD-F", meter_start=1000, timestamp=iso(start)),
                                        suppress=False)
                assert started.id_tag_info["status"] == "Accepted"
                tx = started.transaction_id
                await cp.call(call16.MeterValues(connector_id=1, transaction_id=tx, meter_value=[
                    {"timestamp": iso(start + timedelta(seconds=1)),
                     "sampled_value": [{"value": "16000", "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]}]),
                    suppress=False)
                await cp.call(call16.StopTransaction(transaction_id=tx, meter_stop=31000, timestamp=iso(start + timedelta(seconds=2)),
                                                     reason="Local"), suppress=False)
                return tx

        tx = asyncio.run(session())
        # Pricing runs after the stop is answered: wait for the CDR.
        deadline = time.monotonic() + STEP
        lines: list[str] = []
        while time.monotonic() < deadline:
            lines = export(db, "jsonl").splitlines()
            if lines:
                break
            time.sleep(0.2)
        assert len(lines) == 1, cli(db, "billing", "unpriced")
        row = json.loads(lines[0])
        cdr = row["cdr"]
        # 30 kWh × 0.40 = 12.00, session fee 0.50: net 12.50. VAT 19 % = 2.375 → 2.38 (half away
        # from zero). Gross 14.88.
        assert (cdr["net"], cdr["vat"], cdr["gross"], cdr["currency"]) == (1250, 238, 1488, "EUR"), cdr
        assert [(i["component"], i["amount"]) for i in cdr["items"]] == [("energy", 1200), ("sessionFee", 50)]
        assert cdr["energyWh"] == "30000.000" and cdr["energySource"] == "samples"
        assert (cdr["session"], cdr["station"], cdr["site"], cdr["group"], cdr["idToken"]) == (tx, "CP-B1", "depot-north", "FLEET-ACME", "CARD-F")
        assert (cdr["tariffId"], cdr["tariffVersion"], cdr["authorization"]) == ("standard", 1, "accepted")
        canonical = json.dumps(cdr, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert hashlib.sha256(canonical.encode()).hexdigest() == row["contentHash"]

        # The same through 2.0.1: a TransactionEvent Ended closes the session. An unknown card is
        # in the group adhoc. 10 kWh × 0.40 = 4.00 + 0.50 = 4.50 net; VAT 0.855 → 0.86; 5.36 gross.
        async def session201():
            async with station(server, "CS-B2", "ocpp2.0.1") as cp:
                reply = await cp.call(call201.BootNotification(charging_station={"model": "HYC300", "vendor_name": "alpitronic"},
                                                               reason="PowerUp"), suppress=False)
                assert reply.status == "Accepted"
                begin = datetime.now(timezone.utc)
                await cp.call(call201.TransactionEvent(event_type="Started", timestamp=iso(begin), trigger_reason="Authorized", seq_no=0,
                                                       transaction_info={"transaction_id": "TX-B2"},
                                                       id_token={"id_token": "CARD-X", "type": "ISO14443"}, evse={"id": 1, "connector_id": 1},
                                                       meter_value=[{"timestamp": iso(begin), "sampled_value": [{"value": 5000.0}]}]),
                              suppress=False)
                ended = await cp.call(call201.TransactionEvent(event_type="Ended", timestamp=iso(begin + timedelta(seconds=2)),
                                                       trigger_reason="EVCommunicationLost", seq_no=1,
                                                       transaction_info={"transaction_id": "TX-B2", "stopped_reason": "EVDisconnected"},
                                                       meter_value=[{"timestamp": iso(begin + timedelta(seconds=2)),
                                                                     "sampled_value": [{"value": 15000.0}]}]), suppress=False)
                # The station is told the price its CDR will carry (gross, major units).
                assert ended.total_cost == 5.36, ended

        asyncio.run(session201())
        deadline = time.monotonic() + STEP
        while time.monotonic() < deadline and len(lines) < 2:
            lines = export(db, "jsonl").splitlines()
            time.sleep(0.2)
        assert len(lines) == 2, cli(db, "billing", "unpriced")
        other = json.loads(lines[1])["cdr"]
        assert (other["station"], other["group"], other["net"], other["vat"], other["gross"]) == ("CS-B2", "adhoc", 450, 86, 536), other

        sheet = list(csv.DictReader(io.StringIO(export(db, "csv"), newline="")))
        assert len(sheet) == 2
        assert (sheet[0]["net"], sheet[0]["vat"], sheet[0]["gross"], sheet[0]["currency"], sheet[0]["energy_kwh"]) \
            == ("12.50", "2.38", "14.88", "EUR", "30.000000")
        totals = json.loads(cli(db, "billing", "totals", "--from", "2020-01-01T00:00:00Z", "--to", "2100-01-01T00:00:00Z", "--json"))
        assert [(t.get("site"), t["group"], t["sessions"], t["gross"]) for t in totals] \
            == [(None, "adhoc", 1, "5.36"), ("depot-north", "FLEET-ACME", 1, "14.88")]

        # A draft at 0.50/kWh: 15.00 + 0.50 = 15.50 net, 2.945 → 2.95 VAT, 18.45 gross; and
        # 5.00 + 0.50 = 5.50, 1.045 → 1.05, 6.55. Old 12.50 + 4.50, 14.88 + 5.36. Nothing written.
        draft = tmp_path / "draft.yaml"
        draft.write_text(CONFIG.format(price="0.50"))
        rerate = json.loads(cli(db, "billing", "rerate", "--config", str(draft), "--from", "2020-01-01T00:00:00Z",
                                "--to", "2100-01-01T00:00:00Z", "--json"))
        assert rerate["totals"] == [{"currency": "EUR", "sessions": 2, "notCompared": 0, "oldNet": "17.00", "oldGross": "20.24",
                                     "newNet": "21.00", "newGross": "25.00"}]
    finally:
        server.close()

    # The tariff changes: the next start stores version 2; the CDR already written stays as it was.
    config.write_text(CONFIG.format(price="0.45"))
    second = serve(db, config)
    second.close()
    tariffs = json.loads(cli(db, "billing", "tariffs", "--config", str(config), "--json"))
    assert [v["version"] for v in tariffs[0]["versions"]] == [1, 2]
    assert tariffs[0]["config"] == "in force"
    assert json.loads(export(db, "jsonl").splitlines()[0])["cdr"] == cdr


def test_a_large_export_into_a_closed_pipe_ends_quietly(tmp_path):
    """`vigil billing export | head -1`: 400 CDRs (≈ 300 KB, more than a pipe holds) and a reader
    that leaves after one line end vigil with 141 and nothing on standard error (it once
    crashed writing to the closed pipe)."""
    db = tmp_path / "vigil.sqlite"
    config = tmp_path / "vigil.yaml"
    config.write_text(CONFIG.format(price="0.40"))
    serve(db, config).close()   # the schema, the station and the tariff's first version
    with sqlite3.connect(db) as connection:
        rows = []
        for n in range(400):
            start = datetime(2099, 1, 1, tzinfo=timezone.utc) + timedelta(hours=n)
            rows.append(("CP-B1", str(n + 1), iso(start), iso(start + timedelta(minutes=30)), iso(start)))
        connection.executemany("""
            INSERT INTO sessions (station, evse, connector, transaction_ref, id_token, authorization, start_time, stop_time,
                                  meter_start, meter_stop, energy_wh, status, created_at, updated_at)
            VALUES (?, 1, 1, ?, 'CARD-F', 'accepted', ?, ?, 0, 10000, 10000, 'completed', ?, ?)
            """, [row + (row[-1],) for row in rows])
    serve(db, config).close()   # the start-up sweep prices the 400 ended sessions
    shell = (f"set -o pipefail; {vigil_binary()} billing export --db {db} --from 2000-01-01T00:00:00Z --to 2200-01-01T00:00:00Z "
             f"--format jsonl | head -1; echo \"status=${{PIPESTATUS[0]}}\" >&2")
    result = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, timeout=60)
    # 10 kWh × 0.40 = 4.00 + the 0.50 session fee: 4.50 net, VAT 19 % 0.855 → 0.86, 5.36 gross.
    assert json.loads(result.stdout)["cdr"]["gross"] == 536
    assert result.stderr.strip().splitlines() == ["status=141"], result.stderr
