"""Audit exports an auditor can verify offline (#18): a real trail (a fault, the rule's decision
and reset, the verification, serve's checkpoints, an operator's pause) is exported with
`vigil audit export`, then verified by `vigil audit verify --file` and by an independent
verifier written from docs/audit.md alone (hashlib and hmac). An edited entry and a deleted
middle entry are reported by both.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest

from test_remediation_interop import audit, verified_loop, vigil


# --- the independent verifier: docs/audit.md, "Hash, encoding v2/v1", "Checkpoints", "By hand" ---

def encoding_bytes(e: dict) -> bytes:
    text = e["detailsText"] if "detailsText" in e else e["details"]
    fields = [str(e["id"]), e["at"], e["previousHash"], e["kind"], e["actor"], e["station"], e["site"],
              e["rule"], e["action"], e["outcome"], text]
    if e["encoding"] == 1:
        esc = lambda v: "\u2400" if v is None else v.replace("\\", "\\\\").replace("\n", "\\n")
        return "\n".join(fields[:5] + [esc(v) for v in fields[5:]]).encode()
    out = b"vigil-audit-entry-v2"
    for tag, value in enumerate(fields, start=1):
        raw = None if value is None else value.encode()
        out += bytes([tag]) + (b"\x00" if raw is None else b"\x01" + len(raw).to_bytes(8, "big") + raw)
    return out


def independent_verify(text: str, key: bytes) -> list[tuple]:
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    header, entries = rows[0], [r for r in rows if r["type"] == "entry"]
    checkpoints = sorted((r for r in rows if r["type"] == "checkpoint"), key=lambda c: c["sequence"])
    problems, by_id, prev = [], {}, None
    for e in entries:
        if "detailsText" in e and json.loads(e["detailsText"]) != e["details"]:
            problems.append((e["id"], "details differ from detailsText"))
        if hashlib.sha256(encoding_bytes(e)).hexdigest() != e["hash"]:
            problems.append((e["id"], "content does not match hash"))
        expected_id = prev["id"] + 1 if prev else 1
        if header["complete"] and e["id"] != expected_id:
            problems.append((e["id"], "gap or reorder"))
        if e["id"] == expected_id and e["previousHash"] != (prev["hash"] if prev else "0" * 64):
            problems.append((e["id"], "previousHash does not link"))
        by_id[e["id"]], prev = e, e
    for n, c in enumerate(checkpoints, start=1):
        message = (f"vigil-audit-checkpoint-v{min(c['version'], 3)}\n{c['sequence']}\n{c['entryId']}\n{c['hash']}\n{c['at']}"
                   if c["version"] >= 2 else f"{c['entryId']}:{c['hash']}")
        if hmac.new(key, message.encode(), hashlib.sha256).hexdigest() != c["signature"] or c["sequence"] != n:
            problems.append((f"checkpoint {c['sequence']}", "bad signature or numbering"))
        if c["entryId"] in by_id and by_id[c["entryId"]]["hash"] != c["hash"]:
            problems.append((c["entryId"], "checkpoint records another hash"))
        elif header["complete"] and c["entryId"] not in by_id:
            problems.append((c["entryId"], "checkpoint names a missing entry"))
    # Seals (docs/audit.md): from the first version-3 checkpoint's stretch on, every entry carries one.
    first_v3 = next((i for i, c in enumerate(checkpoints) if c["version"] >= 3), None)
    sealed_from = None if first_v3 is None else (checkpoints[first_v3 - 1]["entryId"] if first_v3 > 0 else 0) + 1
    for e in entries:
        seal = hmac.new(key, f"vigil-audit-entry-seal-v1\n{e['id']}\n{e['hash']}".encode(), hashlib.sha256).hexdigest()
        if "seal" in e and e["seal"] != seal:
            problems.append((e["id"], "seal does not match"))
        elif "seal" not in e and sealed_from is not None and e["id"] >= sealed_from:
            problems.append((e["id"], "no seal"))
    return problems


# --- the trail ---

@pytest.fixture(scope="module")
def trail(tmp_path_factory) -> Path:
    """A database with decisions (JSON details), commands, a verification and checkpoints."""
    tmp_path = tmp_path_factory.mktemp("audit-export")
    db = verified_loop(tmp_path, "CP-E")
    assert vigil("remediation", "pause", "--reason", "export test, with a \"quote\"\nand a second line",
                 "--by", "auditor", "--db", str(db)).returncode == 0
    return db


def key_of(db: Path) -> bytes:
    return (db.parent / "audit.key").read_text().strip().encode()


def export(db: Path, tmp_path: Path, *filters) -> Path:
    out = tmp_path / "export.jsonl"
    result = vigil("audit", "export", "--db", str(db), "--format", "jsonl", "--output", str(out), *filters)
    assert result.returncode == 0, result.stderr
    return out


def verify_file(path: Path, db: Path):
    return vigil("audit", "verify", "--file", str(path), "--key", str(db.parent / "audit.key"))


def rewrite(path: Path, change) -> None:
    """Applies `change` to the list of parsed lines and writes them back, one JSON object each."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    path.write_text("".join(json.dumps(row) + "\n" for row in change(rows)))


def entry_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if '"type":"entry"' in line or '"type": "entry"' in line]


def test_an_export_verifies_with_vigil_and_with_an_independent_verifier(trail, tmp_path):
    path = export(trail, tmp_path)
    entries = entry_rows(path)
    assert len(entries) >= 5 and any(isinstance(e["details"], dict) for e in entries), entries   # decisions nest
    assert any(e["station"] is None for e in entries)   # the pause: NULL station kept as null
    assert independent_verify(path.read_text(), key_of(trail)) == []
    result = verify_file(path, trail)
    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith(f"audit export intact: {len(entries)} entries, complete export"), result.stdout
    # The database agrees.
    assert vigil("audit", "verify", "--db", str(trail)).returncode == 0


def test_an_edited_entry_is_reported_by_both(trail, tmp_path):
    path = export(trail, tmp_path)
    target = entry_rows(path)[2]["id"]

    def edit(rows):
        for row in rows:
            if row["type"] == "entry" and row["id"] == target:
                row["actor"] = "someone-else"
        return rows

    rewrite(path, edit)
    assert independent_verify(path.read_text(), key_of(trail)) == [(target, "content does not match hash")]
    result = verify_file(path, trail)
    assert result.returncode == 1
    assert f"audit export BROKEN at entry {target}: its content does not match its hash (the entry was edited)" in result.stdout, result.stdout


def test_edited_nested_details_are_reported_by_both(trail, tmp_path):
    path = export(trail, tmp_path)
    target = next(e["id"] for e in entry_rows(path) if isinstance(e["details"], dict))

    def edit(rows):
        for row in rows:
            if row["type"] == "entry" and row["id"] == target:
                row["details"]["rule"] = "another-rule"
        return rows

    rewrite(path, edit)
    assert independent_verify(path.read_text(), key_of(trail)) == [(target, "details differ from detailsText")]
    result = verify_file(path, trail)
    assert result.returncode == 1 and f"BROKEN at entry {target}: its details differ from its detailsText" in result.stdout, result.stdout


def test_a_deleted_middle_entry_is_reported_by_both(trail, tmp_path):
    path = export(trail, tmp_path)
    ids = [e["id"] for e in entry_rows(path)]
    target = ids[len(ids) // 2]
    rewrite(path, lambda rows: [r for r in rows if not (r["type"] == "entry" and r["id"] == target)])
    assert (target + 1, "gap or reorder") in independent_verify(path.read_text(), key_of(trail))
    result = verify_file(path, trail)
    assert result.returncode == 1
    assert f"audit export BROKEN at entry {target + 1}: entry {target} is missing before it (deleted or reordered)" in result.stdout, result.stdout


def test_a_filtered_export_proves_its_entries(trail, tmp_path):
    path = export(trail, tmp_path, "--station", "CP-E", "--kind", "decision")
    entries = entry_rows(path)
    assert entries and all(e["station"] == "CP-E" and e["kind"] == "decision" for e in entries if e["selected"])
    assert independent_verify(path.read_text(), key_of(trail)) == []
    result = verify_file(path, trail)
    assert result.returncode == 0, result.stdout
    assert "filtered export (kind=decision station=CP-E" in result.stdout
    assert "not that no other entry matched its filter" in result.stdout
    # Without the entries that link them to a checkpoint, the selected ones are not proved.
    bare = export(trail, tmp_path, "--station", "CP-E", "--kind", "decision", "--selected-only")
    assert all(e["selected"] for e in entry_rows(bare))
    result = verify_file(bare, trail)
    assert result.returncode == 1 and "audit export UNVERIFIED: no valid checkpoint signs entries" in result.stdout, result.stdout


def test_without_the_key_an_export_is_unverified(trail, tmp_path):
    result = vigil("audit", "verify", "--file", str(export(trail, tmp_path)))
    assert result.returncode == 1 and "audit export UNVERIFIED: no audit key" in result.stdout, result.stdout


def test_a_csv_export_keeps_its_columns_and_takes_a_bom(trail):
    result = subprocess_bytes("audit", "export", "--db", str(trail), "--format", "csv", "--bom")
    assert result.startswith("\ufeffid,at,kind,actor,station,site,rule,action,outcome,details,previous_hash,hash,row,".encode())
    refused = vigil("audit", "export", "--db", str(trail), "--format", "jsonl", "--bom")
    assert refused.returncode == 2 and "--bom is for --format csv" in refused.stderr


def subprocess_bytes(*args) -> bytes:
    import subprocess
    from conftest import vigil_binary
    done = subprocess.run([str(vigil_binary()), *args], capture_output=True, timeout=10)
    assert done.returncode == 0, done.stderr
    return done.stdout
