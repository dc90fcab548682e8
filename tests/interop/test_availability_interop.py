"""`vigil metrics availability` (issue #19): a 1.6 charger boots, faults, recovers and
disconnects under `vigil serve`; the metrics then show faulted and offline downtime, and an
availability below 1 — on the CLI (`--json`) and on `GET /api/v1/metrics/availability`.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
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


# Network insights (issue #19): sites, sessions, recurring errors and remediation, each on the
# CLI and its route, driven by the Python `ocpp` charger under `vigil serve --config`.

SITES_CONFIG = """
sites:
  - {id: depot-north, name: Depot North, timeZone: Europe/Berlin}
stations:
  - {id: CP-IN, site: depot-north}
"""


def api(proc, path: str):
    with urllib.request.urlopen(f"http://127.0.0.1:{proc.port('http')}{path}", timeout=10) as answer:
        return json.load(answer)


def api_error(proc, path: str) -> tuple[int, dict]:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{proc.port('http')}{path}", timeout=10)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)
    raise AssertionError(f"{path} answered 200")


def insight_scenario(tmp_path):
    """CP-IN at depot-north (Berlin): one good session (5 kWh, EVDisconnected), one during
    which the connector faults (OtherError, E-77: no rule acts on it) and recovers."""
    config = tmp_path / "vigil.yaml"
    config.write_text(SITES_CONFIG)
    began = datetime.now(timezone.utc) - timedelta(seconds=2)
    proc = start(tmp_path, extra=("--config", str(config)))
    return config, began, proc


async def drive_sessions(proc):
    async with charger(proc, "CP-IN") as cp:
        await cp.call(call16.StatusNotification(connector_id=1, error_code="NoError", status="Available"), suppress=False)
        good = await cp.call(call16.StartTransaction(connector_id=1, id_tag="T1", meter_start=0, timestamp=iso(datetime.now(timezone.utc))),
                             suppress=False)
        await cp.call(call16.StopTransaction(transaction_id=good.transaction_id, meter_stop=5_000, reason="EVDisconnected",
                                             timestamp=iso(datetime.now(timezone.utc))), suppress=False)
        bad = await cp.call(call16.StartTransaction(connector_id=1, id_tag="T1", meter_start=5_000, timestamp=iso(datetime.now(timezone.utc))),
                            suppress=False)
        await cp.call(call16.StatusNotification(connector_id=1, error_code="OtherError", vendor_error_code="E-77", status="Faulted"),
                      suppress=False)
        await asyncio.sleep(1.2)
        await cp.call(call16.StopTransaction(transaction_id=bad.transaction_id, meter_stop=5_500, reason="Other",
                                             timestamp=iso(datetime.now(timezone.utc))), suppress=False)
        await cp.call(call16.StatusNotification(connector_id=1, error_code="NoError", status="Available"), suppress=False)


def test_sites_and_session_metrics_on_the_api_and_the_cli(tmp_path):
    config, began, proc = insight_scenario(tmp_path)
    db = str(tmp_path / "vigil.sqlite")
    try:
        run(drive_sessions(proc))
        sites = api(proc, "/api/v1/sites")
        assert [(s["id"], s["name"], s["timeZone"], s["stations"]) for s in sites["sites"]] == [("depot-north", "Depot North", "Europe/Berlin", 1)], sites
        # The charger has gone: its connector is counted Offline, not by its last report (Available).
        counts = sites["sites"][0]["connectors"]
        assert counts["Offline"] == 1 and counts["Available"] == 0 and sites["unassigned"]["stations"] == 0, sites
        assert api(proc, "/api/v1/sites/depot-north")["stationIds"] == ["CP-IN"]
        assert api_error(proc, "/api/v1/sites/nowhere")[0] == 404

        live = api(proc, f"/api/v1/metrics/sessions?site=depot-north&from={iso(began)}")
        assert live["sessions"] == 2 and live["successful"] == 1 and live["successRate"] == 0.5, live
        assert live["failures"] == {"faultDuringSession": 1}, live
        assert abs(live["energyKWh"] - 5.5) < 1e-9 and live["timeZone"] == "Europe/Berlin", live
        assert sum(live["peakHours"]["byHour"]) == 2 and sum(live["peakHours"]["byWeekday"]) == 2, live
        assert [s["station"] for s in live["stations"]] == ["CP-IN"] and [s["site"] for s in live["sites"]] == ["depot-north"], live
        status, error = api_error(proc, "/api/v1/metrics/sessions?station=CP-IN&site=depot-north")
        assert status == 400 and error["code"] == "invalid_parameter", error
        status, error = api_error(proc, "/api/v1/metrics/sessions?minEnergyKWh=some")
        assert status == 400 and error["code"] == "invalid_parameter", error
        assert api_error(proc, "/api/v1/metrics/sessions?station=CP-NONE")[0] == 404
    finally:
        proc.stop()

    result = vigil("metrics", "sessions", "--site", "depot-north", "--from", iso(began), "--config", str(config), "--json", "--db", db)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["sessions"] == 2 and report["timeZone"] == "Europe/Berlin" and report["scope"] == {"site": "depot-north"}, report
    # At least 6 kWh: the 5 kWh session fails too.
    strict = json.loads(vigil("metrics", "sessions", "--station", "CP-IN", "--from", iso(began), "--min-energy-kwh", "6",
                              "--json", "--db", db).stdout)
    assert strict["failures"] == {"faultDuringSession": 1, "noEnergy": 1} and strict["successRate"] == 0, strict
    text = vigil("metrics", "sessions", "--station", "CP-IN", "--from", iso(began), "--db", db)
    assert text.returncode == 0 and "SUCCESS" in text.stdout and "50.0%" in text.stdout, text.stdout
    bad = vigil("metrics", "sessions", "--min-energy-kwh", "-2", "--db", db)
    assert bad.returncode == 2 and "--min-energy-kwh" in bad.stderr, bad.stderr


def test_recurring_errors_on_the_api_and_the_cli(tmp_path):
    config, began, proc = insight_scenario(tmp_path)
    db = str(tmp_path / "vigil.sqlite")
    try:
        run(drive_sessions(proc))
        live = api(proc, f"/api/v1/metrics/errors?site=depot-north&from={iso(began)}")
        assert [(e["vendor"], e["code"], e["ocppErrorCode"], e["count"], e["site"]) for e in live["errors"]] \
            == [("Acme", "E-77", "OtherError", 1, "depot-north")], live
        assert live["errors"][0]["meanTimeToRecoverySeconds"] >= 1, live
        assert api_error(proc, "/api/v1/metrics/errors?limit=0")[0] == 400
    finally:
        proc.stop()
    result = vigil("metrics", "errors", "--station", "CP-IN", "--from", iso(began), "--json", "--db", db)
    assert result.returncode == 0, result.stdout + result.stderr
    assert [e["code"] for e in json.loads(result.stdout)["errors"]] == ["E-77"], result.stdout
    text = vigil("metrics", "errors", "--from", iso(began), "--db", db)
    assert text.returncode == 0 and "E-77" in text.stdout, text.stdout
    missing = vigil("metrics", "errors", "--site", "nowhere", "--db", db)
    assert missing.returncode == 1 and "no site nowhere" in missing.stderr and missing.stdout == "", missing


def test_remediation_effectiveness_on_the_api_and_the_cli(tmp_path):
    from test_remediation_interop import audit
    began = datetime.now(timezone.utc) - timedelta(seconds=2)
    proc = start(tmp_path)
    db = str(tmp_path / "vigil.sqlite")
    try:
        async def scenario():
            async with charger(proc, "CP-RM") as cp:
                await cp.fault()   # InternalError: the rule resets, the charger reboots Available, the reset is verified
                await until(lambda: [e for e in audit(tmp_path, "--station", "CP-RM") if e["kind"] == "verification"
                                     and e.get("outcome") == "verified"], "the verification")
        run(scenario())
        live = api(proc, f"/api/v1/metrics/remediation?from={iso(began)}")
        assert [(r["rule"], r["actions"], r["verified"], r["verifiedShare"]) for r in live["byRule"]] == [("reset-then-disable", 1, 1, 1)], live
        assert [(m["vendor"], m["model"]) for m in live["byModel"]] == [("Acme", "X1")], live
        assert live["medianRecoveryWithActionSeconds"] is not None and live["medianRecoveryWithoutActionSeconds"] is None, live
        assert api_error(proc, "/api/v1/metrics/remediation?station=CP-RM")[0] == 400
    finally:
        proc.stop()
    result = vigil("metrics", "remediation", "--from", iso(began), "--json", "--db", db)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["byRule"][0]["verified"] == 1, result.stdout
    text = vigil("metrics", "remediation", "--from", iso(began), "--db", db)
    assert text.returncode == 0 and "reset-then-disable" in text.stdout, text.stdout
