"""Strict CLI filters (#18), through the real binary: a time's offset is honoured, and an
unreadable time or an unknown value of an enumerated filter is refused with exit status 2 and
a message naming the option, the value and what is valid — never an empty listing and exit 0.
"""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from conftest import vigil_binary

STEP = 10.0


def vigil(*args) -> subprocess.CompletedProcess:
    return subprocess.run([str(vigil_binary()), *args], capture_output=True, text=True, timeout=STEP)


@pytest.fixture
def database(tmp_path: Path) -> str:
    """A database with one audit entry (the kill switch turned on by an operator)."""
    path = str(tmp_path / "vigil.sqlite")
    assert vigil("stations", "add", "CP-1", "--db", path).returncode == 0
    paused = vigil("remediation", "pause", "--reason", "filters test", "--by", "tester", "--db", path)
    assert paused.returncode == 0, paused.stderr
    return path


def entries(database: str, *filters) -> list[dict]:
    result = vigil("audit", "query", "--db", database, "--json", *filters)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def in_plus_one(moment: datetime) -> str:
    """`moment` written with a +01:00 offset, as an operator in Central Europe would."""
    return moment.astimezone(timezone(timedelta(hours=1))).isoformat(timespec="seconds")


def test_an_offset_is_honoured(database):
    [entry] = entries(database)
    at = datetime.strptime(entry["at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    # Ten minutes before the entry, written at +01:00: as text that is *later* than the stored
    # UTC time, so a text comparison would wrongly leave the entry out.
    before = in_plus_one(at - timedelta(minutes=10))
    assert [e["id"] for e in entries(database, "--from", before)] == [entry["id"]]
    assert entries(database, "--to", before) == []
    # A fraction is accepted, and a bound is inclusive to the millisecond.
    assert [e["id"] for e in entries(database, "--from", entry["at"], "--to", entry["at"])] == [entry["id"]]


@pytest.mark.parametrize("command", [
    ["audit", "query"],
    ["audit", "export", "--format", "jsonl"],
    ["rules", "decisions"],
    ["remediation", "commands"],
])
def test_an_unreadable_time_is_refused(database, command):
    result = vigil(*command, "--db", database, "--from", "yesterday")
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert result.stdout == ""
    first = result.stderr.splitlines()[0]
    assert first == ('vigil: --from "yesterday" is not an RFC 3339 time with a zone, such as '
                     '2026-12-03T18:26:00Z or 2026-12-03T19:26:00.250+01:00'), first


def test_a_time_without_a_zone_is_refused(database):
    result = vigil("audit", "query", "--db", database, "--to", "2026-12-03T19:26:00")
    assert result.returncode == 2
    assert "--to \"2026-12-03T19:26:00\"" in result.stderr and "it has no zone" in result.stderr


@pytest.mark.parametrize("command, option, listed", [
    (["audit", "query"], "outcome", ["accepted", "rejected", "timedOut", "verified", "done"]),
    (["audit", "query"], "kind", ["alert", "command", "decision", "operator", "outcome", "system", "verification"]),
    (["rules", "decisions"], "kind", ["act", "verified", "verificationFailed", "commandFailed"]),
    (["remediation", "commands"], "status", ["accepted", "rejected", "timedOut", "notConnected", "refused", "failed"]),
    (["alerts", "list"], "status", ["open", "resolved"]),
    (["alerts", "deliveries"], "status", ["pending", "delivered", "dead"]),
])
def test_an_unknown_value_is_refused_with_the_valid_ones(database, command, option, listed):
    result = vigil(*command, "--db", database, f"--{option}", "bogus")
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert result.stdout == ""
    first = result.stderr.splitlines()[0]
    assert first.startswith(f'vigil: --{option} "bogus" is not one of: '), first
    valid = first.split("is not one of: ", 1)[1].split(", ")
    assert set(listed) <= set(valid), valid


def test_a_known_value_is_accepted(database):
    assert [e["outcome"] for e in entries(database, "--kind", "operator", "--outcome", "done")] == ["done"]
    assert entries(database, "--outcome", "rejected") == []   # known, nothing on record: empty, exit 0


def test_malformed_values_are_usage_errors_and_unknown_ids_are_failures(database):
    """A value that cannot mean anything (a database URL of another engine, a misspelt command)
    is a usage error, exit 2, before anything is asked of a server; a well-formed id the
    registry does not know is a failure, exit 1, said on standard error."""
    wrong_engine = vigil("stations", "list", "--db", "mysql://root:s3cret@h/x")
    assert wrong_engine.returncode == 2 and 'unknown database URL scheme "mysql"' in wrong_engine.stderr, wrong_engine
    assert "s3cret" not in wrong_engine.stderr
    misspelt = vigil("stations", "command", "CP-1", "rest", "--by", "dana", "--http", "127.0.0.1:9")
    assert misspelt.returncode == 2 and 'did you mean "reset"?' in misspelt.stderr, misspelt
    unreachable = vigil("stations", "command", "CP-1", "reset", "--by", "dana", "--http", "127.0.0.1:9")
    assert unreachable.returncode == 1 and "cannot reach the running vigil serve at 127.0.0.1:9" in unreachable.stderr, unreachable
    assert "NSURLErrorDomain" not in unreachable.stderr
    for verb in ("log", "history", "quirks"):
        unknown = vigil("stations", verb, "NOPE", "--db", database)
        assert unknown.returncode == 1 and 'no station "NOPE"' in unknown.stderr and unknown.stdout == "", (verb, unknown)
    known = vigil("stations", "history", "CP-1", "--db", database)
    assert known.returncode == 0, known
    for args in (("stations", "show", "NOPE"), ("sessions", "list", "--station", "NOPE"), ("sessions", "show", "999"),
                 ("metrics", "availability", "--station", "NOPE"), ("rules", "decisions", "--station", "NOPE"),
                 ("remediation", "commands", "--station", "NOPE")):
        missing = vigil(*args, "--db", database)
        assert missing.returncode == 1 and missing.stdout == "" and "no s" in missing.stderr, (args, missing)
    assert vigil("sessions", "list", "--station", "CP-1", "--db", database).returncode == 0
    nothing = vigil("stations", "log", "CP-1", "--limit", "0", "--db", database)
    assert nothing.returncode == 2 and "--limit must be at least 1" in nothing.stderr, nothing
    assert vigil("stations", "add", "CP:1", "--db", database).returncode == 0
    colon = vigil("stations", "password", "CP:1", "--db", database)
    assert colon.returncode == 2 and "cannot use a Basic-auth password" in colon.stderr and colon.stdout == "", colon


def test_a_command_that_reads_refuses_a_database_that_is_not_vigils(tmp_path):
    """Another program's SQLite file (even one that sets user_version) is refused, and left as
    it was: a command that only reads never writes Vigil's tables into it."""
    import sqlite3
    foreign = tmp_path / "other.sqlite"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE t (x)")
        db.execute("PRAGMA user_version = 1")
    for command in (("alerts", "list"), ("stations", "list"), ("rules", "decisions"), ("billing", "tariffs")):
        run = vigil(*command, "--db", str(foreign))
        assert run.returncode == 1 and "no Vigil database" in run.stderr, (command, run)
    with sqlite3.connect(foreign) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert tables == ["t"], tables
