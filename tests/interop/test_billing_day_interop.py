"""Simulated days of the demo fleet, priced: `vigil simulate` plays Simulations/demo.yaml for 48
simulated hours (two days in 48 s: one day had no session across a band's edge about one run in
twenty, ≈ 3 such sessions on average) against `vigil serve` with the demo's sites and tariffs, and every
CDR is then checked by hand here — band by the site's local time, each line's rounding, VAT on
the net, the totals, the CSV — by arithmetic written from docs/billing.md alone."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import time
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from conftest import REPO_ROOT, VigilProcess, vigil_binary

ZONES = {"depot-north": ZoneInfo("Europe/Berlin"), "retail-south": ZoneInfo("Europe/London")}

CONFIG = """
sites:
  - {id: depot-north, name: Depot North, timeZone: Europe/Berlin}
  - {id: retail-south, name: Retail South, timeZone: Europe/London}
stations:
  - {id: NORTH-1, site: depot-north}
  - {id: NORTH-2, site: depot-north}
  - {id: NORTH-3, site: depot-north}
  - {id: NORTH-4, site: depot-north}
  - {id: SOUTH-1, site: retail-south}
  - {id: SOUTH-2, site: retail-south}
  - {id: SOUTH-3, site: retail-south}
  - {id: SOUTH-4, site: retail-south}
remediation:
  fleetBreakerMinFaults: 10
tariffs:
  - id: standard
    currency: EUR
    vatPercent: 19
    sessionFee: 0.50
    bands:
      - {from: "07:00", to: "22:00", energyPerKWh: 0.49}
      - {energyPerKWh: 0.35}
  - id: acme-fleet-north
    site: depot-north
    group: FLEET-ACME
    currency: EUR
    vatPercent: 19
    bands: [{energyPerKWh: 0.30}]
"""

PERIOD = ["--from", "2000-01-01T00:00:00Z", "--to", "2100-01-01T00:00:00Z"]


def cli(db: Path, *args) -> str:
    run = subprocess.run([str(vigil_binary()), *args, "--db", str(db)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return run.stdout


def cents(value: Decimal) -> int:
    """Half away from zero to the cent (docs/billing.md, "Rounding"); amounts here are positive."""
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def expected_energy_price(cdr: dict, start: datetime) -> Decimal:
    """The price per kWh by hand: the fleet's at the depot, else day (07:00–22:00 local) or night."""
    if cdr["site"] == "depot-north" and cdr["group"] == "FLEET-ACME":
        return Decimal("0.30")
    local = start.astimezone(ZONES[cdr["site"]])
    return Decimal("0.49") if 7 <= local.hour < 22 else Decimal("0.35")


def test_a_simulated_day_of_the_demo_fleet_prices_as_a_hand_check(tmp_path):
    db = tmp_path / "vigil.sqlite"
    config = tmp_path / "vigil.yaml"
    config.write_text(CONFIG)
    proc = VigilProcess(["serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", str(db), "--config", str(config),
                         "--rules", str(REPO_ROOT / "Rules"), "--vendor-codes", str(REPO_ROOT / "VendorCodes"),
                         "--log-level", "warning"], ["ocpp", "http"]).start()
    try:
        cli(db, "tokens", "add", "DEMO-CARD-1", "--parent", "FLEET-ACME")
        for card in ("DEMO-CARD-2", "DEMO-CARD-3", "DEMO-CARD-4", "DEMO-CARD-5", "DEMO-CARD-6"):
            cli(db, "tokens", "add", card)
        sim = subprocess.run([str(vigil_binary()), "simulate", "--scenario", str(REPO_ROOT / "Simulations" / "demo.yaml"),
                              "--url", f"ws://127.0.0.1:{proc.port('ocpp')}/ocpp/", "--speed", "3600", "--duration", "48h", "--quiet"],
                             capture_output=True, text=True, timeout=240)
        assert sim.returncode == 0, sim.stderr
        # Every ended session ends up priced or unpriced (with its reason) once billing caught up.
        ended = [s for s in json.loads(cli(db, "sessions", "list", "--status", "completed", "--limit", "10000", "--json"))]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            cdrs = [json.loads(line)["cdr"] for line in cli(db, "billing", "export", *PERIOD, "--format", "jsonl").splitlines()]
            unpriced = json.loads(cli(db, "billing", "unpriced", "--json"))
            if len(cdrs) + len(unpriced) >= len(ended):
                break
            time.sleep(0.5)
    finally:
        proc.close()
    assert len(cdrs) + len(unpriced) == len(ended), (len(cdrs), len(unpriced), len(ended))
    assert len(cdrs) > 100, "a simulated day of eight stations charges many sessions"
    assert {(c["site"], c["group"]) for c in cdrs} >= {("depot-north", "FLEET-ACME"), ("retail-south", "adhoc")}
    for reason in (u["reason"] for u in unpriced):
        assert "no energy delivered" in reason or "refused" in reason, reason

    split = 0
    for cdr in cdrs:
        energy_items = [i for i in cdr["items"] if i["component"] == "energy"]
        fees = [i for i in cdr["items"] if i["component"] == "sessionFee"]
        assert {i["component"] for i in cdr["items"]} <= {"energy", "sessionFee"}, cdr
        # The tariff by hand, and each energy line's price by its period's local hour.
        fleet = cdr["site"] == "depot-north" and cdr["group"] == "FLEET-ACME"
        assert cdr["tariffId"] == ("acme-fleet-north" if fleet else "standard"), cdr
        assert len(fees) == (0 if fleet else 1) and all(f["amount"] == 50 for f in fees), cdr
        for item in energy_items:
            for period in item["periods"]:
                start, end = (instant(part) for part in period.split("/"))
                assert Decimal(item["unitPrice"]) == expected_energy_price(cdr, start), (cdr["session"], period, item)
                # A period lies within one band: its last instant is priced as its first.
                assert expected_energy_price(cdr, end - timedelta(milliseconds=1)) == Decimal(item["unitPrice"]), (period, item)
            assert item["amount"] == cents(Decimal(item["quantity"]) * Decimal(item["unitPrice"]) * 100), item
        split += len(energy_items) > 1
        kwh = sum((Decimal(i["quantity"]) for i in energy_items), Decimal(0))
        assert abs(kwh - Decimal(cdr["energyWh"]) / 1000) <= Decimal("0.000001") * len(energy_items), cdr
        # Net is the sum of the rounded lines (no caps here); VAT is on the rounded net.
        assert cdr["net"] == sum(i["amount"] for i in cdr["items"]), cdr
        assert cdr["vat"] == cents(Decimal(cdr["net"]) * Decimal(19) / 100), cdr
        assert cdr["gross"] == cdr["net"] + cdr["vat"], cdr
    assert split > 0, "two days have sessions across 07:00 or 22:00 local: some CDRs split energy across bands"

    # Totals by site and customer group are the CDRs' sums.
    totals = json.loads(cli(db, "billing", "totals", *PERIOD, "--json"))
    for total in totals:
        mine = [c for c in cdrs if c["site"] == total["site"] and c["group"] == total["group"]]
        assert total["sessions"] == len(mine)
        assert Decimal(total["gross"]) == Decimal(sum(c["gross"] for c in mine)) / 100, total
    assert sum(t["sessions"] for t in totals) == len(cdrs)

    # The CSV opens as a sheet: a header, one row per CDR, money in major units.
    sheet = list(csv.DictReader(io.StringIO(cli(db, "billing", "export", *PERIOD, "--format", "csv"), newline="")))
    assert len(sheet) == len(cdrs)
    by_session = {c["session"]: c for c in cdrs}
    for row in sheet:
        assert Decimal(row["gross"]) * 100 == by_session[int(row["session"])]["gross"], row
