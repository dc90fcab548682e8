"""`vigil stations timeline` (issue #18): after a real fault → reset → verification loop, one
command shows, in time order, the Faulted status report, the rule's decision, the command with
its audit entry, the Reset CALL that carried it, the station's Accepted answer, the Available
report after the reboot and the verification — each backed line naming its audit entry. Also
`--from` with an offset, `--frames`, `--json`, a bad time (exit 2) and an unknown station (exit 1).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from test_remediation_interop import audit, verified_loop, vigil


def loop_on_record(tmp_path, station):
    return str(verified_loop(tmp_path, station))


def index(lines, what, *needles, after=-1):
    for number, line in enumerate(lines):
        if number > after and all(needle in line for needle in needles):
            return number
    raise AssertionError(f"no {what} after line {after} in:\n" + "\n".join(lines))


def test_one_station_in_one_ordered_view(tmp_path):
    db = loop_on_record(tmp_path, "CP-T")
    steps = [e for e in audit(tmp_path, "--station", "CP-T") if e["kind"] in ("command", "outcome", "verification")]
    first = json.loads(steps[0]["details"])
    command, decision = first["command"], first["decision"]
    decision_entry = next(e for e in audit(tmp_path, "--station", "CP-T", "--kind", "decision")
                          if e["details"].startswith('{"decisionId":%d,' % decision))

    result = vigil("stations", "timeline", "CP-T", "--db", db)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    faulted = index(lines, "Faulted report", "  status ", " Faulted InternalError", "charger time")
    decided = index(lines, "decision", "  decision ", f"decision #{decision} act", f"[audit #{decision_entry['id']}]", after=faulted)
    assert "by rule reset-then-disable (version " in lines[decided], lines[decided]
    commanded = index(lines, "command", "  command ", f"command #{command} reset soft CP-T/1", f"[audit #{steps[0]['id']}]",
                      f"decision #{decision}", after=decided)
    assert "accepted; verification: verified" in lines[commanded], lines[commanded]
    call = index(lines, "Reset CALL", "  frame ", '-> [2,', '"Reset"', f"carried command #{command} reset soft", after=commanded)
    answer = index(lines, "Accepted answer", "  frame ", "<- [3,", "Accepted", f"answer to command #{command} reset soft", after=call)
    accepted = index(lines, "accepted step", "  command ", f"command #{command} accepted", f"[audit #{steps[1]['id']}]", after=answer)
    available = index(lines, "Available report", "  status ", " Available", after=accepted)
    index(lines, "verification", "  verification ", f"command #{command} verified", f"[audit #{steps[2]['id']}]", after=available)
    # Times ascend, in the store's form; the station's connection and its BootNotification come
    # before its fault, its other CALLs (StatusNotification …) only with --frames.
    times = [line.split("  ")[0] for line in lines]
    assert times == sorted(times) and all(t.endswith("Z") and len(t) == 24 for t in times), times
    # (The connection is stamped when the registry records it online, which for a first boot is a
    # moment after the BootNotification frame was received: either may come first.)
    connected = index(lines, "connection", "  connection ", "connected: online")
    booted = index(lines, "boot", "  frame ", '<- [2,', '"BootNotification"')
    assert max(connected, booted) < faulted, lines
    assert not any('"StatusNotification"' in line for line in lines)
    every = vigil("stations", "timeline", "CP-T", "--db", db, "--frames")
    assert every.returncode == 0 and '"BootNotification"' in every.stdout and '"StatusNotification"' in every.stdout, every.stdout

    # JSON: one object per line, a type, the ids and the audit entry.
    shown = vigil("stations", "timeline", "CP-T", "--db", db, "--json")
    assert shown.returncode == 0, shown.stderr
    items = [json.loads(line) for line in shown.stdout.splitlines()]
    assert {"status", "decision", "command", "frame", "verification"} <= {item["type"] for item in items}
    record = next(item for item in items if item["type"] == "command" and "createdAt" in item)
    assert record["commandId"] == command and record["decisionId"] == decision and record["auditEntry"] == steps[0]["id"], record
    assert record["auditEntries"] == [step["id"] for step in steps], record
    assert record["status"] == "accepted" and record["verification"] == "verified" and len(record["ruleHash"]) == 64
    reset = next(item for item in items if item["type"] == "frame" and item.get("action") == "Reset")
    assert reset["direction"] == "out" and reset["commandId"] == command and reset["auditEntry"] is None
    reply = next(item for item in items if item["type"] == "frame" and item.get("answers") == reset["frameId"])
    assert reply["direction"] == "in" and reply["messageId"] == reset["messageId"]
    decided = next(item for item in items if item["type"] == "decision" and item["decisionId"] == decision)
    assert decided["auditEntry"] == decision_entry["id"] and decided["ruleHash"] == record["ruleHash"] and decided["eventIds"]

    # --from with an offset: the command's own millisecond, written at +01:00, starts the view.
    at = datetime.strptime(record["at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    local = at.astimezone(timezone(timedelta(hours=1))).isoformat(timespec="milliseconds")
    assert local.endswith("+01:00")
    later = vigil("stations", "timeline", "CP-T", "--db", db, "--from", local)
    assert later.returncode == 0, later.stderr
    assert later.stdout.splitlines()[0].startswith(record["at"] + "  command "), later.stdout
    assert "Faulted InternalError" not in later.stdout and f"command #{command} verified" in later.stdout
    window = vigil("stations", "timeline", "CP-T", "--db", db, "--from", local, "--to", local, "--json")
    assert [json.loads(line)["type"] for line in window.stdout.splitlines()] == ["command"], window.stdout
    assert len(vigil("stations", "timeline", "CP-T", "--db", db, "--limit", "2").stdout.splitlines()) == 2

    bad = vigil("stations", "timeline", "CP-T", "--db", db, "--from", "yesterday")
    assert bad.returncode == 2 and bad.stdout == "" and '--from "yesterday" is not an RFC 3339 time' in bad.stderr, bad
    unknown = vigil("stations", "timeline", "CP-NOPE", "--db", db)
    assert unknown.returncode == 1 and unknown.stdout == "" and 'no station "CP-NOPE"' in unknown.stderr, unknown
