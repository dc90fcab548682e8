"""Fraud signals end to end: two Python `ocpp` 1.6 charge points start sessions with the same
token at two stations; `vigil serve`'s fraud consumer reports `concurrentUse` (read back with
`vigil fraud list --json`), and the shipped example rule `Rules/fraud.yaml` fires on the
`fraudSuspected` event: the token is blocked in the registry and the fraud desk alerted — so
the next Authorize with it is refused. A session ending without meter values is a second
signal, which the rule leaves alone."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path


import ocpp.v16
import ocpp.v16.call as call16

from conftest import VigilProcess, vigil_binary
from conftest import charge_point as station

STEP = 10.0
ROOT = Path(__file__).resolve().parents[2]

CONFIG = """
stations:
  - {id: CP-F1, site: north}
  - {id: CP-F2, site: south}
fraud:
  noMeterValuesMinDuration: 0s   # any session without meter values, however short
"""


def cli(db: Path, *args) -> str:
    run = subprocess.run([str(vigil_binary()), *args, "--db", str(db)], capture_output=True, text=True, timeout=STEP)
    assert run.returncode == 0, run.stderr
    return run.stdout


def get(proc: VigilProcess, path: str):
    with urllib.request.urlopen(f"http://127.0.0.1:{proc.port('http')}{path}", timeout=STEP) as response:
        return json.loads(response.read())


def wait_for(predicate, what: str, timeout: float = STEP):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_concurrent_use_is_signalled_and_the_shipped_rule_blocks_the_token(tmp_path):
    db = tmp_path / "vigil.sqlite"
    config = tmp_path / "vigil.yaml"
    config.write_text(CONFIG)
    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copy(ROOT / "Rules" / "fraud.yaml", rules / "fraud.yaml")
    cli(db, "tokens", "add", "04A1B2C3")
    proc = VigilProcess(["serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", str(db), "--config", str(config),
                         "--rules", str(rules), "--concurrent-use", "allow"], ["ocpp", "http"]).start()
    try:
        async def scenario():
            async with station(proc, "CP-F1") as first, station(proc, "CP-F2") as second:
                for cp in (first, second):
                    boot = await cp.call(call16.BootNotification(charge_point_vendor="Acme", charge_point_model="X1"))
                    assert boot.status == "Accepted"
                started = await first.call(call16.StartTransaction(connector_id=1, id_tag="04A1B2C3", meter_start=1000, timestamp=now()))
                assert started.id_tag_info["status"] == "Accepted"
                # No signal yet: one session is not concurrent use.
                await asyncio.sleep(1)
                assert json.loads(cli(db, "fraud", "list", "--json")) == []
                again = await second.call(call16.StartTransaction(connector_id=1, id_tag="04A1B2C3", meter_start=5000, timestamp=now()))
                assert again.id_tag_info["status"] == "Accepted"   # --concurrent-use allow: the CPMS lets it charge
                signals = wait_for(lambda: json.loads(cli(db, "fraud", "list", "--json", "--kind", "concurrentUse")),
                                   "the concurrentUse signal")
                assert len(signals) == 1
                signal = signals[0]
                assert (signal["station"], signal["idTag"], signal["connector"]) == ("CP-F2", "04A1B2C3", 1)
                assert signal["transactionId"] == str(again.transaction_id)
                assert signal["detail"]["otherStation"] == "CP-F1"
                assert signal["detail"]["otherTransactionId"] == str(started.transaction_id)
                # The same through the API (viewer access), and a bad kind named in the 400.
                assert get(proc, "/api/v1/fraud?kind=concurrentUse&station=CP-F2") == signals
                assert get(proc, "/api/v1/fraud?station=CP-F1") == []
                try:
                    get(proc, "/api/v1/fraud?kind=cloning")
                    raise AssertionError("an unknown kind was accepted")
                except urllib.error.HTTPError as error:
                    assert error.code == 400
                    assert "kind must be one of concurrentUse" in error.read().decode()
                # The station filter and the text form.
                assert json.loads(cli(db, "fraud", "list", "--json", "--station", "CP-F1")) == []
                assert "concurrentUse" in cli(db, "fraud", "list")

                # The shipped rule fired on the fraudSuspected event: block, then alert.
                def acted():
                    made = [d for d in get(proc, "/api/v1/decisions?station=CP-F2")
                            if d["rule"] == "fraud-concurrent-use-block-token" and d["kind"] == "act"]
                    return made if len(made) == 2 else None
                made = wait_for(acted, "the rule's two decisions")
                assert sorted(d["action"]["type"] for d in made) == ["alert", "blockToken"]
                assert [d["target"]["key"] for d in made] == ["CP-F2|idTag:04A1B2C3"] * 2
                tokens = wait_for(lambda: [t for t in json.loads(cli(db, "tokens", "list", "--json"))
                                           if t["token"] == "04A1B2C3" and t["status"] == "blocked"], "the token blocked")
                assert "blocked by rule fraud-concurrent-use-block-token" in tokens[0]["note"]
                audit = [json.loads(line) for line in cli(db, "audit", "query", "--kind", "token", "--json").splitlines() if line]
                assert [(e["action"], e["outcome"]) for e in audit] == [("blockToken 04A1B2C3", "blocked")]
                # The card is refused from now on.
                refused = await first.call(call16.Authorize(id_tag="04A1B2C3"))
                assert refused.id_tag_info["status"] == "Blocked"

                # Another signal at the session's end; the rule does not act on it.
                await first.call(call16.StopTransaction(transaction_id=started.transaction_id, meter_stop=1500, timestamp=now()))
                ended = wait_for(lambda: json.loads(cli(db, "fraud", "list", "--json", "--kind", "noMeterValues")), "noMeterValues")
                assert [(s["station"], s["transactionId"]) for s in ended] == [("CP-F1", str(started.transaction_id))]
                assert ended[0]["detail"]["reportedWh"] == 500
                assert sorted(s["signal"] for s in json.loads(cli(db, "fraud", "list", "--json"))) == ["concurrentUse", "noMeterValues"]
                await asyncio.sleep(0.5)
                assert len([d for d in get(proc, "/api/v1/decisions") if d["rule"] == "fraud-concurrent-use-block-token"]) == 2

        asyncio.run(asyncio.wait_for(scenario(), 60))
    finally:
        proc.stop()


def test_a_201_start_the_charger_flags_offline_with_a_blocked_card_is_signalled_however_soon_it_came(tmp_path):
    """The audit's case: a 2.0.1 Started with `offline: true` three minutes old (under the 5-minute
    delay) and a blocked card. The start is on record as queued before the fraud check reads it."""
    import ocpp.v201.call as call201
    from datetime import timedelta
    db = tmp_path / "vigil.sqlite"
    cli(db, "tokens", "add", "BLOCK1")
    cli(db, "tokens", "block", "BLOCK1")
    proc = VigilProcess(["serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", str(db)], ["ocpp", "http"]).start()
    try:
        async def scenario():
            async with station(proc, "CS-OFFL", "ocpp2.0.1") as cs:
                await cs.call(call201.BootNotification(charging_station={"model": "M", "vendor_name": "V"}, reason="PowerUp"), suppress=False)
                at = (datetime.now(timezone.utc) - timedelta(seconds=180)).strftime("%Y-%m-%dT%H:%M:%SZ")
                answer = await cs.call(call201.TransactionEvent(
                    event_type="Started", timestamp=at, trigger_reason="Authorized", seq_no=0, offline=True,
                    transaction_info={"transaction_id": "Q-1"}, id_token={"id_token": "BLOCK1", "type": "ISO14443"},
                    evse={"id": 1, "connector_id": 1}), suppress=False)
                assert answer.id_token_info["status"] == "Blocked"
                signals = wait_for(lambda: json.loads(cli(db, "fraud", "list", "--json", "--kind", "offlineStartBadToken")),
                                   "the offlineStartBadToken signal")
                assert [(s["station"], s["transactionId"], s["detail"]["queuedOffline"]) for s in signals] == [("CS-OFFL", "Q-1", True)]
        asyncio.run(asyncio.wait_for(scenario(), 60))
    finally:
        proc.stop()
