"""Scenario tests: `vigil simulate` drives a fleet with scripted faults against `vigil serve`
running the shipped rules (Rules/) with their waits compressed (2 minutes → 2 seconds), and
each fault kind must get the remediation the shipped rules promise."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from conftest import REPO_ROOT, VigilProcess, vigil_binary

SCENARIO = """
name: scenario-test
duration: 30s
speed: 1
sites:
  - { name: north, prefix: N, stations: 4, personalities: [abb-terra-ac, keba-p30, alfen-eve-double, schneider-evlink-pro] }
drivers: { sessionsPerHour: 0 }
faults:
  - { at: 2s, station: N-1, connector: 1, errorCode: GroundFailure, vendorErrorCode: "0x0004", behaviour: neverRecovers }
  - { at: 2s, station: N-2, connector: 1, errorCode: PowerSwitchFailure, vendorErrorCode: "0x9001", behaviour: needsHardReset }
  - { at: 2s, station: N-3, connector: 1, errorCode: OtherError, vendorErrorCode: "101", behaviour: neverRecovers }
  - { at: 2s, station: N-4, connector: 2, errorCode: ConnectorLockFailure, behaviour: recoversAfterUnlock }
"""

FAST_PERSONALITIES_REBOOT = "rebootSeconds: 2"


def compressed_rules(target: Path):
    """The shipped rules with every wait in minutes read as seconds, so a scenario plays in seconds."""
    target.mkdir()
    for source in (REPO_ROOT / "Rules").glob("*.yaml"):
        text = source.read_text()
        text = re.sub(r"(\b(?:for|within|keepFor|cooldown)\s*:\s*)(\d+)m\b", r"\g<1>\g<2>s", text)
        (target / source.name).write_text(text)


def test_each_fault_kind_gets_the_remediation_the_shipped_rules_promise(tmp_path):
    rules = tmp_path / "rules"
    compressed_rules(rules)
    personalities = tmp_path / "personalities.yaml"
    personalities.write_text(re.sub(r"rebootSeconds: \d+", FAST_PERSONALITIES_REBOOT, (REPO_ROOT / "Simulations/personalities.yaml").read_text()))
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(SCENARIO)
    db = tmp_path / "vigil.sqlite"
    check = subprocess.run([str(vigil_binary()), "rules", "check", str(rules)], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stdout
    proc = VigilProcess(["serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", str(db), "--rules", str(rules),
                         "--command-timeout", "5"], ["ocpp", "http"]).start()
    try:
        run = subprocess.run([str(vigil_binary()), "simulate", "--scenario", str(scenario), "--personalities", str(personalities),
                              "--url", f"ws://127.0.0.1:{proc.port('ocpp')}/ocpp/", "--quiet"],
                             capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
        assert run.returncode == 0, run.stderr
        summary = run.stdout
    finally:
        proc.stop()
    # Safety fault: disabled at once, never reset.
    assert "N-1/1 0x0004 [neverRecovers] at 2 s: ChangeAvailability Inoperative connector 1 → Accepted; out of service" in summary, summary
    # KEBA 0x9001: the catalogue says a hard reset fixes it, and it does.
    assert re.search(r"N-2/1 0x9001 \[needsHardReset\] at 2 s: Reset Hard → Accepted; recovered at \d+ s", summary), summary
    # Alfen 101 (DC residual current, autoReset: never): taken out of service, then a technician.
    assert "N-3/1 101 [neverRecovers] at 2 s: ChangeAvailability Inoperative connector 1 → Accepted; out of service" in summary, summary
    # A stuck cable lock: unlocked, and the connector recovers.
    assert re.search(r"N-4/2 ConnectorLockFailure \[recoversAfterUnlock\] at 2 s: UnlockConnector connector 2 → Unlocked; recovered", summary), summary
    commands = subprocess.run([str(vigil_binary()), "remediation", "commands", "--db", str(db)], capture_output=True, text=True, timeout=30).stdout
    assert "reset hard  N-2/1  accepted  verification: verified (by event " in commands, commands
    assert "unlockConnector  N-4/2  accepted  verification: verified (by event " in commands, commands
    assert "reset" not in [line.split("  ")[3] for line in commands.splitlines() if "N-1/1" in line]
    alerts = subprocess.run([str(vigil_binary()), "alerts", "list", "--db", str(db)], capture_output=True, text=True, timeout=30).stdout
    assert "safety-fault-disable  N-1/1" in alerts and "vendor-code-remedy  N-3/1" in alerts, alerts
    verify = subprocess.run([str(vigil_binary()), "audit", "verify", "--db", str(db)], capture_output=True, text=True, timeout=30)
    assert verify.returncode == 0, verify.stdout


QUIRKY = """
name: quirky-fleet
duration: 20m
speed: 200
sites:
  - { name: east, prefix: E, stations: 3, personalities: [growatt-thor, legrand-greenup, phoenix-charx] }
drivers: { sessionsPerHour: 10, energyKWh: [0.2, 0.5], powerKW: 22, tokens: [CARD-1, CARD-2], unknownShare: 0 }
faults:
  - { at: 5m, station: E-2, connector: 1, errorCode: OtherError, vendorErrorCode: "E7", behaviour: recoversByItself }
"""


def run_quirky_fleet(tmp_path: Path, vendor_codes: Path) -> tuple[str, Path]:
    scenario = tmp_path / "quirky.yaml"
    scenario.write_text(QUIRKY)
    db = tmp_path / f"{vendor_codes.name}.sqlite"
    proc = VigilProcess(["serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", str(db), "--rules", str(REPO_ROOT / "Rules"),
                         "--vendor-codes", str(vendor_codes)], ["ocpp", "http"]).start()
    try:
        for token in ("CARD-1", "CARD-2"):
            subprocess.run([str(vigil_binary()), "tokens", "add", token, "--db", str(db)], capture_output=True, timeout=30, check=True)
        run = subprocess.run([str(vigil_binary()), "simulate", "--scenario", str(scenario),
                              "--url", f"ws://127.0.0.1:{proc.port('ocpp')}/ocpp/", "--quiet"],
                             capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
        assert run.returncode == 0, run.stderr
    finally:
        proc.stop()
    return run.stdout, db


def test_firmware_quirks_are_accepted_through_the_catalogue_and_recorded(tmp_path):
    """Personalities that send what Growatt, Legrand and Phoenix Contact firmware is documented to
    send: with the shipped catalogue every message is accepted and each leniency is on record;
    with a catalogue without those quirks, the same fleet is refused (the control)."""
    summary, db = run_quirky_fleet(tmp_path, REPO_ROOT / "VendorCodes")
    assert "problem:" not in summary, summary
    sessions = int(re.search(r"sessions completed: (\d+)", summary).group(1))
    assert sessions >= 2, summary
    quirks = subprocess.run([str(vigil_binary()), "stations", "quirks", "--db", str(db), "--json"], capture_output=True, text=True, timeout=30)
    seen = {(use["station"], use["quirk"]) for use in json.loads(quirks.stdout)}
    assert ("E-1", "growatt-timestamp-without-zone") in seen, seen
    assert ("E-2", "legrand-error-code-error") in seen, seen
    assert ("E-3", "charx-long-identity") in seen, seen

    control = tmp_path / "no-quirks"
    control.mkdir()
    (control / "Generic.yaml").write_text((REPO_ROOT / "VendorCodes/Generic.yaml").read_text())
    refused, _ = run_quirky_fleet(tmp_path, control)
    assert "problem:" in refused, refused
