"""The command line for people and scripts (#20): help for every command and verb from the
binary's own registry (`vigil help --json`), suggestions for typos, exit statuses, listings
into a closed pipe, --json on every listing, and the bash completion script."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess

import pytest

from conftest import REPO_ROOT, vigil_binary


def run(*args: str, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(vigil_binary()), *args], capture_output=True, text=True, timeout=60, env=env, **kwargs)


REGISTRY = json.loads(run("help", "--json").stdout)
COMMANDS = [command["name"] for command in REGISTRY]
VERBS = [(command["name"], verb["name"], verb["options"]) for command in REGISTRY for verb in command["verbs"]]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_that_opens_nothing(command, tmp_path):
    for spelling in (["help", command], [command, "--help"], [command, "-h"]):
        # No database, no config, no required option: help is answered first.
        result = run(*spelling, "--db", str(tmp_path / "none.sqlite"), cwd=tmp_path) if spelling[0] != "help" else run(*spelling, cwd=tmp_path)
        assert result.returncode == 0, (spelling, result.stderr)
        assert f"vigil {command}" in result.stdout and result.stderr == ""
    assert not (tmp_path / "none.sqlite").exists()


@pytest.mark.parametrize("command,verb,options", VERBS, ids=[f"{c}-{v}" for c, v, _ in VERBS])
def test_every_verb_has_help_naming_its_options(command, verb, options, tmp_path):
    for spelling in (["help", command, verb], [command, verb, "--help"]):
        result = run(*spelling, cwd=tmp_path)
        assert result.returncode == 0, (spelling, result.stderr)
        assert result.stdout.startswith(f"usage: vigil {command} {verb}")
        for option in options:
            assert f"--{option['name']}" in result.stdout, (spelling, option["name"])
            if option.get("environment"):
                assert option["environment"] in result.stdout


def test_the_issues_examples_answer_help():
    for line in (["serve", "--help"], ["rules", "--help"], ["stations", "--help"], ["codes", "lookup", "--help"]):
        result = run(*line)
        assert result.returncode == 0 and result.stdout.strip(), (line, result.stderr)
    serve = run("serve", "--help").stdout
    assert "VIGIL_OCPP" in serve and "config ocpp" in serve and "default 0.0.0.0:9000" in serve


def test_help_overview_and_exit_statuses():
    for line in ([], ["help"], ["--help"], ["-h"]):
        result = run(*line)
        assert result.returncode == 0 and "commands:" in result.stdout
        for command in COMMANDS:
            assert f"  {command} " in result.stdout
    assert "2 a usage error" in run("help").stdout


def test_version_names_the_build_and_its_libraries(tmp_path):
    for flag in ("--version", "-V"):
        result = run(flag, cwd=tmp_path)
        assert result.returncode == 0 and result.stderr == ""
        first, libraries = result.stdout.splitlines()
        assert first.startswith("vigil ") and first.split()[1][0].isdigit()
        assert "SQLite 3." in libraries and "OpenSSL" in libraries and "libyaml" in libraries
    assert list(tmp_path.iterdir()) == []


def test_mistakes_suggest_the_closest_and_exit_2(tmp_path):
    cases = [
        (["sessions", "list", "--statoin", "CP-1"], "unknown option --statoin; did you mean --station?"),
        (["stations", "list", "--jsn"], "unknown option --jsn; did you mean --json?"),
        (["staions", "list"], 'unknown command "staions"; did you mean "stations"?'),
        (["rules", "lsit"], 'unknown rules verb "lsit"; did you mean "list"?'),
        (["help", "audti"], 'unknown command "audti"; did you mean "audit"?'),
    ]
    for line, message in cases:
        result = run(*line, "--db", str(tmp_path / "none.sqlite"))
        assert result.returncode == 2, (line, result.stderr)
        assert message in result.stderr and "vigil help" in result.stderr
        assert result.stdout == ""


@pytest.fixture
def fleet_db(tmp_path):
    """A database with enough stations that a listing outgrows a pipe's buffer."""
    db = tmp_path / "vigil.sqlite"
    assert run("stations", "add", "CP-1", "--db", str(db)).returncode == 0
    assert run("tokens", "add", "CARD-A", "--db", str(db)).returncode == 0
    assert run("remediation", "pause", "--reason", "an audit entry", "--db", str(db)).returncode == 0
    with sqlite3.connect(db) as connection:
        connection.executemany("INSERT INTO stations(id, registration) VALUES(?, 'accepted')",
                               [(f"CP-BULK-{n:05}",) for n in range(5000)])
    return db


LISTINGS = [
    ["stations", "list"], ["stations", "show", "CP-1"], ["stations", "history", "CP-1"], ["stations", "log", "CP-1"],
    ["stations", "quirks"], ["stations", "timeline", "CP-1"], ["sessions", "list"], ["tokens", "list"], ["users", "list"],
    ["rules", "decisions"], ["remediation", "stats"], ["remediation", "commands"], ["alerts", "list"],
    ["alerts", "deliveries"], ["alerts", "silences"], ["audit", "query"], ["codes", "gaps"],
]


@pytest.mark.parametrize("listing", LISTINGS, ids=["-".join(l) for l in LISTINGS])
def test_every_listing_has_parseable_json(listing, fleet_db):
    result = run(*listing, "--db", str(fleet_db), "--json")
    assert result.returncode == 0, result.stderr
    text = result.stdout.strip()
    try:
        json.loads(text)
    except json.JSONDecodeError:   # JSON lines: decisions, timeline and audit query, which can be long
        for line in text.splitlines():
            json.loads(line)


def test_codes_list_has_json():
    result = run("codes", "list", "--json", cwd=REPO_ROOT)
    assert result.returncode == 0 and json.loads(result.stdout)


@pytest.mark.parametrize("listing", [["stations", "list"], ["stations", "list", "--json"], ["audit", "query"],
                                     ["tokens", "list"], ["help"], ["completion", "bash"]])
def test_a_closed_pipe_ends_vigil_quietly(listing, fleet_db):
    shell = f"set -o pipefail; {vigil_binary()} {' '.join(listing)} --db {fleet_db} | head -1; echo \"status=${{PIPESTATUS[0]}}\" >&2"
    if listing[0] in ("help", "completion"):
        shell = shell.replace(f" --db {fleet_db}", "")
    result = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, timeout=60)
    status = int(result.stderr.strip().splitlines()[-1].split("=")[1])
    assert status in (0, 141), result.stderr
    assert "Fatal error" not in result.stderr and "Backtrace" not in result.stderr and "vigil:" not in result.stderr
    assert result.stdout.count("\n") == 1


def test_a_large_listing_into_a_closed_pipe_exits_141(fleet_db):
    shell = f"{vigil_binary()} stations list --db {fleet_db} | head -1 >/dev/null; echo ${{PIPESTATUS[0]}}"
    result = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "141" and result.stderr == ""


def test_no_escape_codes_in_piped_output(fleet_db):
    for line in (["help"], ["stations", "list", "--db", str(fleet_db)], ["stations", "--help"]):
        result = run(*line, env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"})
        assert "\x1b" not in result.stdout + result.stderr


def test_bash_completion_is_valid_and_offers_verbs():
    script = run("completion", "bash")
    assert script.returncode == 0
    checked = subprocess.run(["bash", "-n"], input=script.stdout, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    probe = script.stdout + "\nCOMP_WORDS=(vigil stations ti); COMP_CWORD=2; _vigil; echo \"${COMPREPLY[@]}\"\n" \
        + "COMP_WORDS=(vigil serve --log-level ''); COMP_CWORD=3; _vigil; echo \"${COMPREPLY[@]}\"\n"
    offered = subprocess.run(["bash", "-c", probe], capture_output=True, text=True).stdout.splitlines()
    assert offered == ["timeline", "debug info warning error"]


def test_zsh_completion_is_valid_when_zsh_is_installed():
    zsh = shutil.which("zsh")
    if zsh is None:
        pytest.skip("zsh is not installed")
    script = run("completion", "zsh").stdout
    checked = subprocess.run([zsh, "-n"], input=script, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
