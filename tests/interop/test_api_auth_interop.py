"""HTTP API users against `vigil serve`: with no user the API is open; once `vigil users add`
has created one, every call but the health check needs its bearer token — 401 without or with a
wrong one, 403 with too little access — commands are audited under the token's user (not a
self-declared name), approvals need the rule's approval role, and a removed user's token stops
working at once."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

from conftest import VigilProcess, vigil_binary

STEP = 10.0

RULES = """
- id: ask-before-reset
  when: { event: statusChanged, where: { to: Faulted } }
  then:
    - approve: { role: supervisor, timeout: 10m }
    - reset: soft
"""


def vigil(db: Path, *args, token: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("VIGIL_API_TOKEN", None)
    if token:
        env["VIGIL_API_TOKEN"] = token
    return subprocess.run([str(vigil_binary()), *args, "--db", str(db)], capture_output=True, text=True, timeout=STEP, env=env)


def add_user(db: Path, name: str, *options) -> str:
    run = vigil(db, "users", "add", name, *options)
    assert run.returncode == 0, run.stderr
    return run.stdout.strip().splitlines()[-1]


def call(proc: VigilProcess, path: str, token: str | None = None, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{proc.port('http')}{path}", method="POST" if body is not None else "GET",
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=STEP) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def serve(tmp_path: Path) -> VigilProcess:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "rules.yaml").write_text(RULES)
    return VigilProcess(["serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", str(tmp_path / "vigil.sqlite"),
                         "--rules", str(rules)], ["ocpp", "http"]).start()


def test_api_users_tokens_and_access(tmp_path):
    db = tmp_path / "vigil.sqlite"
    proc = serve(tmp_path)
    try:
        assert "the HTTP API has no users" in proc.stderr_text()
        # Open while there is no user.
        assert call(proc, "/api/v1/stations")[0] == 200

        viewer = add_user(db, "wall-screen", "--access", "viewer")
        dana = add_user(db, "dana", "--access", "operator")
        sam = add_user(db, "sam", "--access", "operator", "--approves", "supervisor")
        assert viewer.startswith("vigil_") and len(viewer) == 6 + 64 and len({viewer, dana, sam}) == 3
        listed = vigil(db, "users", "list").stdout
        rows = [line.split()[:3] for line in listed.splitlines()]
        assert ["dana", "operator", "-"] in rows and ["sam", "operator", "supervisor"] in rows and viewer not in listed

        status, body = call(proc, "/api/v1/stations")
        assert status == 401 and "Bearer" in body["error"], body
        assert call(proc, "/api/v1/stations", token="vigil_" + "0" * 64)[0] == 401
        assert call(proc, "/api/v1/stations", token=viewer)[0] == 200
        assert call(proc, "/api/v1/health")[0] == 200   # always open, for load balancers
        # Adding a name that exists is refused: its token and access change only through rotate.
        again = vigil(db, "users", "add", "dana", "--access", "admin")
        assert again.returncode == 1 and "already exists" in again.stdout and "vigil users rotate dana" in again.stdout, again.stdout

        assert vigil(db, "stations", "add", "CP-X").returncode == 0   # known, not connected
        command = {"command": "reset", "by": "someone-else"}
        status, body = call(proc, "/api/v1/stations/CP-X/commands", token=viewer, body=command)
        assert status == 403 and "viewer" in body["error"], body
        status, body = call(proc, "/api/v1/stations/CP-X/commands", token=dana, body=command)
        assert status == 409 and body["outcome"] == "not connected", body

        # The CLI sends the token from VIGIL_API_TOKEN; --by is then optional.
        cli = vigil(db, "stations", "command", "CP-X", "reset", "--http", f"127.0.0.1:{proc.port('http')}", token=dana)
        assert "not connected" in cli.stdout, cli.stdout + cli.stderr
        refused = vigil(db, "stations", "command", "CP-X", "reset", "--by", "x", "--http", f"127.0.0.1:{proc.port('http')}")
        assert refused.returncode == 1 and "Bearer" in refused.stdout, refused.stdout

        # Approvals: an operator without the rule's role is refused before anything else.
        approval = {"rule": "ask-before-reset", "target": "CP-X/1", "approved": True}
        status, body = call(proc, "/api/v1/approvals", token=dana, body=approval)
        assert status == 403 and "supervisor" in body["error"], body
        status, body = call(proc, "/api/v1/approvals", token=sam, body=approval)
        assert status == 409, body   # sam may, but nothing is waiting

        assert vigil(db, "users", "remove", "dana").returncode == 0
        assert call(proc, "/api/v1/stations", token=dana)[0] == 401
        rotated = vigil(db, "users", "rotate", "sam")
        new_sam = rotated.stdout.strip().splitlines()[-1]
        assert call(proc, "/api/v1/stations", token=sam)[0] == 401
        assert call(proc, "/api/v1/stations", token=new_sam)[0] == 200
    finally:
        proc.close()
    audit = vigil(db, "audit", "query", "--station", "CP-X").stdout
    # The record names the token's user, not the name the body claimed.
    assert "dana" in audit and "someone-else" not in audit, audit


def test_auditor_and_admin_access(tmp_path):
    """An auditor reads and exports the audit trail and changes nothing; an admin may do
    everything, the users list included; a viewer or operator gets 403 on the audit routes."""
    db = tmp_path / "vigil.sqlite"
    proc = serve(tmp_path)
    try:
        auditor = add_user(db, "aud", "--access", "auditor")
        admin = add_user(db, "root", "--access", "admin")
        operator = add_user(db, "dana", "--access", "operator")
        vigil(db, "remediation", "pause", "--reason", "audit me", "--by", "dana")   # one entry on the trail
        status, entries = call(proc, "/api/v1/audit?kind=operator", token=auditor)
        # The users added are on the trail too (who added them), then the kill switch.
        assert status == 200 and [e["action"] for e in entries] == ["api user add"] * 3 + ["kill switch on"], entries
        assert entries[0]["details"] == "aud: auditor" and len(entries[-1]["hash"]) == 64, entries
        assert call(proc, "/api/v1/audit?from=2026-12-03T19:26:00%2B01:00", token=auditor)[0] == 200
        status, body = call(proc, "/api/v1/audit?from=yesterday", token=auditor)
        assert status == 400 and body["code"] == "invalid_parameter" and "yesterday" in body["error"], body
        assert call(proc, "/api/v1/audit", token=operator)[0] == 403
        assert call(proc, "/api/v1/stations", token=auditor)[0] == 200   # an auditor also reads what a viewer reads
        status, body = call(proc, "/api/v1/stations/CP-1/commands", token=auditor, body={"command": "reset"})
        assert status == 403 and body["code"] == "insufficient_access", body
        request = urllib.request.Request(f"http://127.0.0.1:{proc.port('http')}/api/v1/audit/export?format=csv&bom=true",
                                         headers={"Authorization": f"Bearer {auditor}"})
        with urllib.request.urlopen(request, timeout=STEP) as response:
            assert response.headers.get_content_type() == "text/csv" and response.read().startswith("\ufeff".encode())
        assert call(proc, "/api/v1/users", token=auditor)[0] == 403
        status, users = call(proc, "/api/v1/users", token=admin)
        assert status == 200 and {u["name"]: u["access"] for u in users} == {"aud": "auditor", "root": "admin", "dana": "operator"}
        assert all("token" not in json.dumps(u) for u in users)
        assert call(proc, "/api/v1/audit", token=admin)[0] == 200
    finally:
        proc.stop()
