"""The token registry from the command line as an operator uses it (README, `vigil help tokens`):
`add` never replaces an existing token — it would unblock a blocked card and drop its expiry,
parent and sites — `update` changes only what it is given, and a token typed with spaces is
refused. Also: `fraud list` for a station nobody knows is an error, not an empty list."""

from __future__ import annotations

import json
import subprocess

from conftest import vigil_binary


def vigil(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(vigil_binary()), *args], capture_output=True, text=True, timeout=60)


def tokens(db) -> dict:
    listing = vigil("tokens", "list", "--json", "--db", str(db))
    assert listing.returncode == 0, listing.stderr
    return {token["token"]: token for token in json.loads(listing.stdout)}


def test_add_never_replaces_and_update_changes_only_what_it_is_given(tmp_path):
    db = tmp_path / "vigil.sqlite"
    assert vigil("tokens", "add", "CARD-A", "--parent", "FLEET", "--expiry", "2027-01-01T00:00:00Z", "--sites", "north",
                 "--db", str(db)).returncode == 0
    assert vigil("tokens", "block", "CARD-A", "--db", str(db)).returncode == 0
    again = vigil("tokens", "add", "card-a", "--db", str(db))   # any letter case is the same token
    assert again.returncode == 1 and "already exists (blocked)" in again.stderr and "tokens update" in again.stderr
    card = tokens(db)["CARD-A"]
    assert card["status"] == "blocked" and card["parent"] == "FLEET" and card["sites"] == ["north"]
    assert card["expiry"].startswith("2027-01-01T00:00:00")

    updated = vigil("tokens", "update", "CARD-A", "--expiry", "none", "--sites", "any", "--note", "new wallet", "--db", str(db))
    assert updated.returncode == 0, updated.stderr
    card = tokens(db)["CARD-A"]
    assert card["status"] == "blocked" and card["parent"] == "FLEET" and card["sites"] == [] and card["note"] == "new wallet"
    assert card.get("expiry") is None

    nothing = vigil("tokens", "update", "CARD-A", "--db", str(db))
    assert nothing.returncode == 2 and "at least one of" in nothing.stderr
    missing = vigil("tokens", "update", "NOBODY", "--parent", "X", "--db", str(db))
    assert missing.returncode == 1 and "no token" in missing.stderr
    spaced = vigil("tokens", "add", " CARD-WS ", "--db", str(db))
    assert spaced.returncode == 2 and "printable ASCII without spaces" in spaced.stderr
    assert " CARD-WS " not in tokens(db)


def test_fraud_signals_of_an_unknown_station_are_an_error(tmp_path):
    db = tmp_path / "vigil.sqlite"
    assert vigil("stations", "add", "CP-1", "--db", str(db)).returncode == 0
    known = vigil("fraud", "list", "--station", "CP-1", "--db", str(db))
    assert known.returncode == 0 and "no fraud signals" in known.stdout
    unknown = vigil("fraud", "list", "--station", "CP-NOPE", "--db", str(db))
    assert unknown.returncode == 1 and 'no station "CP-NOPE"' in unknown.stderr


def test_a_command_given_serves_config_file_reads_its_database(tmp_path):
    """`vigil metrics … --config vigil.yaml` reads the database the file names (`db:`), as serve
    does, rather than ./var/vigil.sqlite in the working directory."""
    db = tmp_path / "data" / "vigil.sqlite"
    db.parent.mkdir()
    assert vigil("stations", "add", "CP-CONF", "--db", str(db)).returncode == 0
    config = tmp_path / "vigil.yaml"
    config.write_text(f"db: {db}\n")
    report = vigil("metrics", "availability", "--config", str(config), "--json")
    assert report.returncode == 0, report.stderr
    assert [station["station"] for station in json.loads(report.stdout)["stations"]] == ["CP-CONF"]


def test_a_token_past_its_expiry_is_listed_as_authorize_answers_it(tmp_path):
    db = tmp_path / "vigil.sqlite"
    added = vigil("tokens", "add", "CARD-OLD", "--expiry", "2020-01-01T00:00:00Z", "--db", str(db))
    assert added.returncode == 0 and "has passed: Authorize answers Expired" in added.stderr
    fresh = vigil("tokens", "add", "CARD-NEW", "--expiry", "2099-01-01T00:00:00Z", "--db", str(db))
    assert fresh.returncode == 0 and fresh.stderr == ""
    listed = tokens(db)
    assert listed["CARD-OLD"]["status"] == "accepted" and listed["CARD-OLD"]["effectiveStatus"] == "expired"
    assert listed["CARD-NEW"]["effectiveStatus"] == "accepted"
    table = vigil("tokens", "list", "--db", str(db)).stdout.splitlines()
    assert {line.split()[0]: line.split()[1] for line in table[1:]} == {"CARD-OLD": "expired", "CARD-NEW": "accepted"}
