"""`vigil metrics availability` (issue #19): a 1.6 charger boots, faults, recovers and
disconnects under `vigil serve`; the metrics then show faulted and offline downtime, and an
availability below 1 — on the CLI (`--json`) and on `GET /api/v1/metrics/availability`.
"""

from __future__ import annotations

import asyncio
import json
import urllib.request
from datetime import datetime, timedelta, timezone

import ocpp.v16.call as call16

from test_remediation_interop import charger, run, start, until, vigil


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def test_a_fault_and_a_disconnect_show_as_downtime(tmp_path):
    began = datetime.now(timezone.utc) - timedelta(seconds=2)
    proc = start(tmp_path)
    db = str(tmp_path / "vigil.sqlite")
    try:
        async def scenario():
            async with charger(proc, "CP-AV") as cp:
                await cp.call(call16.StatusNotification(connector_id=1, error_code="NoError", status="Available"), suppress=False)
                await asyncio.sleep(1.5)
                # OtherError: no rule of the default set acts on it, so the fault stays until the charger clears it.
                await cp.call(call16.StatusNotification(connector_id=1, error_code="OtherError", status="Faulted"), suppress=False)
                await asyncio.sleep(2.5)
                await cp.call(call16.StatusNotification(connector_id=1, error_code="NoError", status="Available"), suppress=False)
                await asyncio.sleep(1.5)
                url = f"http://127.0.0.1:{proc.port('http')}/api/v1/metrics/availability?station=CP-AV&from={iso(began)}"
                with urllib.request.urlopen(url, timeout=10) as answer:
                    live = json.load(answer)
                assert live["total"]["downtimeSeconds"]["faulted"] >= 1.5, live
                assert live["connectors"][0]["connector"] == 1 and not live["total"]["neverConnected"], live
            # Disconnected: offline from the last message on.
            def offline():
                shown = vigil("stations", "show", "CP-AV", "--db", db, "--json")
                return shown.returncode == 0 and json.loads(shown.stdout).get("online") is False
            await until(offline, "the station recorded offline")
            await asyncio.sleep(2.5)
        run(scenario())
    finally:
        proc.stop()

    result = vigil("metrics", "availability", "--station", "CP-AV", "--from", iso(began), "--json", "--db", db)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    total = report["total"]
    assert total["downtimeSeconds"]["faulted"] >= 1.5, total
    assert total["downtimeSeconds"]["offline"] >= 2, total
    assert 0 < total["availability"] < 1, total
    assert [(c["station"], c["evse"], c["connector"]) for c in report["connectors"]] == [("CP-AV", 1, 1)], report
    assert abs(total["totalSeconds"] - total["availableSeconds"] - sum(total["downtimeSeconds"].values())) < 0.01, total

    text = vigil("metrics", "availability", "--station", "CP-AV", "--from", iso(began), "--db", db)
    assert text.returncode == 0 and "total" in text.stdout and "FAULTED" in text.stdout, text.stdout
    bad = vigil("metrics", "availability", "--from", "yesterday", "--db", db)
    assert bad.returncode == 2 and "--from" in bad.stderr, bad.stderr
    missing = vigil("metrics", "availability", "--station", "CP-NONE", "--db", db)
    assert missing.returncode == 1, missing.stdout
