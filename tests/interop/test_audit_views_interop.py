"""The auditor's views are backed by the hash chain (issue #18): after a real fault → reset →
verification loop, `remediation commands` and `rules decisions` show each record with the
audit entries that back it, the decision that made it and the rule version behind it; the text
of that version is kept by its hash (`rules show-version`). An edit of the side tables — the
command record, the decision, the stored rule text — is reported with exit status 1 instead of
being shown as truth.
"""

from __future__ import annotations

import json
import sqlite3

from test_remediation_interop import audit, verified_loop, vigil


def loop_on_record(tmp_path):
    return str(verified_loop(tmp_path, "CP-V"))


def test_views_are_checked_against_the_chain_and_rule_text_is_kept_by_hash(tmp_path):
    db = loop_on_record(tmp_path)

    commands = vigil("remediation", "commands", "--db", db, "--json")
    assert commands.returncode == 0, commands.stdout + commands.stderr
    [command] = json.loads(commands.stdout)
    assert command["status"] == "accepted" and command["verification"] == "verified", command
    assert command["decisionId"] and len(command["ruleHash"]) == 64 and command["auditEntries"], command
    assert command["auditFindings"] == []
    # Every entry of the command's life names the command, its decision and the rule version.
    steps = [e for e in audit(tmp_path, "--station", "CP-V") if e["kind"] in ("command", "outcome", "verification")]
    for entry in steps:
        details = json.loads(entry["details"])
        assert details["command"] == command["id"] and details["decision"] == command["decisionId"], entry
        assert details["ruleHash"] == command["ruleHash"], entry
    assert [json.loads(e["details"])["status"] for e in steps] == ["sending", "accepted", "verified"]

    text = vigil("remediation", "commands", "--db", db)
    assert text.returncode == 0 and f"decision #{command['decisionId']}" in text.stdout, text.stdout
    assert f"rule version {command['ruleHash'][:12]}" in text.stdout and "AUDIT MISMATCH" not in text.stdout

    decisions = vigil("rules", "decisions", "--db", db, "--json")
    assert decisions.returncode == 0, decisions.stderr
    rows = [json.loads(line) for line in decisions.stdout.splitlines() if line.strip()]
    act = next(row for row in rows if row["id"] == command["decisionId"])
    assert act["kind"] == "act" and act["auditEntry"], act
    assert all(row["auditEntry"] for row in rows) and not any("auditFindings" in row for row in rows)
    listing = vigil("rules", "decisions", "--db", db)
    assert f"#{act['id']}  " in listing.stdout and f"[audit #{act['auditEntry']}]" in listing.stdout, listing.stdout

    shown = vigil("rules", "show-version", command["ruleHash"][:12], "--db", db)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "rule reset-then-disable, version " + command["ruleHash"] in shown.stdout
    assert "text checked" in shown.stdout and "- reset: soft" in shown.stdout and "verify: {status: Available, within: 3s}" in shown.stdout
    version = json.loads(vigil("rules", "show-version", command["ruleHash"], "--db", db, "--json").stdout)
    assert version["intact"] is True and version["rule"] == "reset-then-disable"
    assert vigil("rules", "show-version", "0" * 12, "--db", db).returncode == 1
    assert vigil("rules", "show-version", "xyz", "--db", db).returncode == 2

    # An entry followed to what it rests on: the decision's evidence, the command's life, the frames.
    shown = vigil("audit", "show", str(act["auditEntry"]), "--db", db)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "content matches its hash" in shown.stdout and f"decision #{act['id']}" in shown.stdout
    assert f"rule version {command['ruleHash']}" in shown.stdout
    assert "statusChanged" in shown.stdout and "Faulted" in shown.stdout, shown.stdout
    # The fault report that set the rule off is on the trail itself, inside the decision's entry.
    assert ": on the trail; the event log's copy agrees" in shown.stdout, shown.stdout
    decision_entry = next(e for e in audit(tmp_path, "--kind", "decision") if e["id"] == act["auditEntry"])
    assert json.loads(decision_entry["details"])["evidence"][0]["fields"]["to"] == "Faulted", decision_entry
    sending = steps[0]["id"]
    shown = vigil("audit", "show", str(sending), "--db", db, "--json")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    context = json.loads(shown.stdout)
    assert context["command"]["id"] == command["id"] and context["command"]["auditEntries"] == [e["id"] for e in steps]
    assert context["decision"]["id"] == act["id"] and context["evidence"], context
    assert any('"Reset"' in frame["text"] and not frame["incoming"] for frame in context["frames"]), context["frames"]
    assert vigil("audit", "show", "999999", "--db", db).returncode == 1
    assert vigil("audit", "show", "abc", "--db", db).returncode == 2

    # The side tables edited behind Vigil's back: every view says so.
    edit = sqlite3.connect(db)
    edit.execute("UPDATE remediation_commands SET status = 'rejected', verified = 0 WHERE id = ?", (command["id"],))
    edit.execute("UPDATE decisions SET reason = 'nothing to see' WHERE id = ?", (act["id"],))
    edit.execute("UPDATE domain_events SET json = replace(json, 'InternalError', 'NoError')")
    edit.execute("UPDATE rule_versions SET yaml = replace(yaml, 'soft', 'hard'), canonical = replace(canonical, 'soft', 'hard')")
    edit.commit()
    edit.close()

    tampered = vigil("remediation", "commands", "--db", db)
    assert tampered.returncode == 1, tampered.stdout
    assert "AUDIT MISMATCH: the record says rejected; the audit trail says accepted" in tampered.stdout, tampered.stdout
    assert "AUDIT MISMATCH: the record says not verified; the audit trail says verified" in tampered.stdout
    tampered = vigil("rules", "decisions", "--db", db)
    assert tampered.returncode == 1 and "AUDIT MISMATCH: the stored decision differs from audit entry" in tampered.stdout, tampered.stdout
    tampered = vigil("rules", "show-version", command["ruleHash"], "--db", db)
    assert tampered.returncode == 1 and "TEXT DOES NOT MATCH ITS HASH" in tampered.stdout, tampered.stdout
    tampered = vigil("audit", "show", str(sending), "--db", db)
    assert tampered.returncode == 1 and "AUDIT MISMATCH: the record says rejected" in tampered.stdout, tampered.stdout
    assert "AUDIT MISMATCH: the stored decision differs" in tampered.stdout, tampered.stdout
    tampered = vigil("audit", "show", str(act["auditEntry"]), "--db", db)
    assert tampered.returncode == 1 and "THE EVENT LOG'S COPY DIFFERS FROM THE ONE ON THE TRAIL" in tampered.stdout, tampered.stdout
