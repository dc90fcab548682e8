"""Remediation safety that no rule can override, against `vigil serve` with charge points from
the Python `ocpp` package and a webhook receiver: a careless reset rule never resets a
ground-faulted station (the connector is taken out of service and on-call is told), a manual
reset of such a station needs --force and a reason, and a fault storm holds every automatic
command, sends one page, and lets the paused ladders resume when it is over.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
from pathlib import Path

import ocpp.v16.call as call16

from conftest import VigilProcess, vigil_binary
from test_alerts_interop import Receiver
from test_alerts_interop import start as start_with_hook
from test_remediation_interop import STEP, audit, charger, run, until

CARELESS = """
- id: careless-reset
  when: { event: statusChanged, where: { to: Faulted }, for: 1s }
  then:
    - reset: hard
"""

LADDER = """
- id: stuck-ladder
  when: { event: statusChanged, where: { to: Faulted, ocppErrorCode: InternalError }, for: 1s }
  then:
    - reset: soft
      verify: { status: Available, within: 3s }
    - disableConnector: true
    - alert: { route: oncall, severity: critical, title: "{{station}} still faulted", text: "Tried: {{attempts}}" }
"""


def start(tmp_path: Path, rules: str, hook_port: int, window: str = "15m") -> VigilProcess:
    return start_with_hook(tmp_path, hook_port, rules_text=rules, extra_config=f"remediation:\n  fleetBreakerWindow: {window}\n",
                           extra_args=("--command-timeout", "5"))


def decisions(tmp_path: Path, outcome: str) -> list[dict]:
    return audit(tmp_path, "--kind", "decision", "--outcome", outcome)


def commands_sent(received) -> list[str]:
    return [name for name, _ in received if name in ("Reset", "ChangeAvailability")]


async def status(cp, connector: int, error_code: str, state: str = "Faulted"):
    await cp.call(call16.StatusNotification(connector_id=connector, error_code=error_code, status=state), suppress=False)


def test_a_careless_reset_rule_never_resets_a_ground_fault(tmp_path):
    receiver = Receiver()
    proc = start(tmp_path, CARELESS, receiver.port)
    try:
        async def scenario():
            async with charger(proc, "CP-GF") as cp:
                await status(cp, 1, "GroundFailure")
                await until(lambda: any(name == "ChangeAvailability" for name, _ in cp.received), "the connector taken out of service")
                await until(lambda: receiver.received, "on-call told")
                await asyncio.sleep(1.5)
                return cp.received

        received = run(scenario())
        assert commands_sent(received) == ["ChangeAvailability"], received
        assert received[0][1]["type"] == "Inoperative"
        act = [e for e in decisions(tmp_path, "act") if e["rule"] == "careless-reset"]
        assert "GroundFailure is never reset automatically: disabling the connector instead" in act[0]["details"], act
        # The rule has no alert of its own: the ladder that took the connector out of service tells on-call.
        alerts = [r["body"]["alert"] for r in receiver.received]
        assert any("taken out of service by Vigil" in a["title"] for a in alerts), alerts
        told = next(a for a in alerts if "taken out of service by Vigil" in a["title"])
        assert "Tried: disableConnector" in told["text"] and "→ accepted" in told["text"], told["text"]
        assert "site not set" in told["text"] and "Acme X1" in told["text"], told["text"]
    finally:
        proc.stop()
        receiver.stop()


def test_a_fault_open_on_another_connector_blocks_the_reset_and_a_manual_one_needs_force(tmp_path):
    receiver = Receiver()
    rules = CARELESS.replace("where: { to: Faulted }", "where: { to: Faulted, ocppErrorCode: InternalError }")
    proc = start(tmp_path, rules, receiver.port)
    try:
        http = f"127.0.0.1:{proc.port('http')}"

        def command(*args):
            return subprocess.run([str(vigil_binary()), "stations", "command", "CP-TWO", "reset", "--type", "hard", "--by", "dana",
                                   "--http", http, *args], capture_output=True, text=True, timeout=STEP)

        async def scenario():
            async with charger(proc, "CP-TWO") as cp:
                await status(cp, 2, "GroundFailure")
                await status(cp, 1, "InternalError")
                await until(lambda: [e for e in decisions(tmp_path, "act") if e["rule"] == "careless-reset"], "the rule's decision")
                await asyncio.sleep(1)
                loop = asyncio.get_running_loop()
                refused = await loop.run_in_executor(None, command)
                no_reason = await loop.run_in_executor(None, command, "--force")
                forced = await loop.run_in_executor(None, command, "--force", "--reason", "electrician tested the RCD on site")
                return cp.received, refused, no_reason, forced

        received, refused, no_reason, forced = run(scenario())
        act = [e for e in decisions(tmp_path, "act") if e["rule"] == "careless-reset"][0]
        assert "CP-TWO has Generic OCPP GroundFailure open on connector 2, never reset automatically" in act["details"], act
        assert refused.returncode == 1 and "open on connector 2" in refused.stdout and "--force" in refused.stdout, refused
        assert no_reason.returncode == 2 and "--force needs --reason" in no_reason.stderr + no_reason.stdout, no_reason
        assert forced.returncode == 0 and "forced past an open safety fault" in forced.stdout, forced
        assert [name for name, _ in received if name == "Reset"] == ["Reset"], received   # only the forced one
        trail = [(e["action"], e["outcome"], e["details"]) for e in audit(tmp_path, "--actor", "dana")]
        assert ("manual reset hard", "refused") == trail[0][:2], trail
        assert trail[-1][0] == "manual reset hard (forced past an open safety fault)", trail
        assert "forced by dana: electrician tested the RCD on site" in trail[-1][2], trail
    finally:
        proc.stop()
        receiver.stop()


def test_a_fault_storm_holds_every_command_pages_once_and_resumes(tmp_path):
    receiver = Receiver()
    proc = start(tmp_path, LADDER, receiver.port, window="5s")
    try:
        async def scenario():
            stack = contextlib.AsyncExitStack()
            async with stack:
                chargers = [await stack.enter_async_context(charger(proc, f"CP-S{i}")) for i in range(10)]
                for cp in chargers[:6]:
                    await cp.fault()
                await until(lambda: len(decisions(tmp_path, "held")) >= 6, "six ladders held", timeout=STEP)
                during = [list(cp.received) for cp in chargers]
                pages = list(receiver.received)
                # The hold (5 s from the trip) ends; each ladder re-checks (still Faulted) and resumes.
                await until(lambda: all(any(n == "Reset" for n, _ in cp.received) for cp in chargers[:6]), "resumed resets", timeout=20)
                await until(lambda: len([e for e in decisions(tmp_path, "verified")]) >= 6, "verified recoveries", timeout=STEP)
                return during, pages, [list(cp.received) for cp in chargers]

        during, pages, after = run(scenario(), timeout=90)
        assert all(commands_sent(got) == [] for got in during), during
        assert len(pages) == 1 and pages[0]["body"]["alert"]["rule"] == "fleet-breaker", pages
        assert "automatic actions held" in pages[0]["body"]["alert"]["title"]
        resumed = decisions(tmp_path, "resumed")
        assert len(resumed) >= 6 and "the condition still holds" in resumed[0]["details"], resumed
        for got in after[:6]:
            assert commands_sent(got) == ["Reset"], got    # the soft reset, once, after the hold; no disable
        assert all(commands_sent(got) == [] for got in after[6:]), after
        assert len([r for r in receiver.received if r["body"]["alert"]["rule"] != "fleet-breaker"]) == 0, receiver.received
    finally:
        proc.stop()
        receiver.stop()
