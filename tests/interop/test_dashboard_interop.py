"""The dashboard in a real browser: headless Chromium (through its DevTools protocol,
browser_support.py) against a real `vigil serve` on ephemeral ports with a scratch database,
fed by OCPP 1.6 chargers from the Python `ocpp` package.

Each page renders live data; a StatusNotification shows on the site and charger pages, and a
new alert on the network page, without a reload (the SSE stream); an approval clicked on the remediation page reaches the rule engine
(the held ladder proceeds: the charger gets its Reset); a viewer sees no action buttons; the
dashboard's answers carry the CSP, and no page logs a console error.

Screenshots go to $VIGIL_SCREENSHOTS when set (`VIGIL_SCREENSHOTS=docs/screenshots` refreshes
the committed ones), else to build-reports/screenshots (replaced by each run). Skipped only where Chromium is not installed
(scripts/bootstrap installs it)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import urllib.request
from pathlib import Path

import pytest

from browser_support import Chromium, chromium_binary
from conftest import REPO_ROOT, VigilProcess, vigil_binary
from ocpp_harness import ChargePoint16, V16, call16, charge_point, cp_call, now_iso, run, wait_until

CHROMIUM = chromium_binary()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed: run scripts/bootstrap as root (or: sudo apt-get install -y chromium)")

STEP = 10.0
# Routes another branch adds (sites, session/error/remediation metrics): until they are merged
# the page asks, gets 404 and shows "not available" — the only 404s a page may log.
NOT_YET_MERGED = ("/api/v1/sites", "/api/v1/metrics/sessions", "/api/v1/metrics/errors", "/api/v1/metrics/remediation")

RULES = """
- id: ask-before-reset
  description: A faulted connector is soft-reset once a supervisor approves.
  when: { event: statusChanged, where: { to: Faulted, ocppErrorCode: OtherError } }
  then:
    - approve: { role: supervisor, timeout: 30m }
    - reset: soft
- id: page-on-ground-failure
  description: A ground failure pages on-call.
  when: { event: statusChanged, where: { to: Faulted, ocppErrorCode: GroundFailure } }
  then:
    - alert: { route: oncall, severity: critical, title: "{{station}} connector {{connector}}: ground failure" }
"""

STATIONS = {"CP-A1": "depot-north", "CP-A2": "depot-north", "CP-B1": "retail-south"}


def screenshot_dir() -> Path:
    configured = os.environ.get("VIGIL_SCREENSHOTS")
    if configured:
        path = Path(configured)
        return path if path.is_absolute() else REPO_ROOT / path
    path = REPO_ROOT / "build-reports" / "screenshots"   # replaced by each run, beside the conformance reports
    path.mkdir(parents=True, exist_ok=True)
    return path


def vigil(db: Path, *args) -> str:
    env = {k: v for k, v in os.environ.items() if k != "VIGIL_API_TOKEN"}
    done = subprocess.run([str(vigil_binary()), *args, "--db", str(db)], capture_output=True, text=True, timeout=STEP, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def api(server: VigilProcess, path: str, token: str) -> tuple[int, object, dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{server.port('http')}{path}", headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=STEP) as response:
            return response.status, json.loads(response.read() or b"null"), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null"), dict(error.headers)


async def boot(cp: ChargePoint16, connectors: int = 2):
    await cp_call(cp, call16.BootNotification(charge_point_vendor="ABB", charge_point_model="Terra AC"))
    for connector in range(1, connectors + 1):
        await status(cp, connector, "Available")


async def status(cp: ChargePoint16, connector: int, to: str, error: str = "NoError", vendor: str | None = None):
    await cp_call(cp, call16.StatusNotification(connector_id=connector, error_code=error, status=to, timestamp=now_iso(),
                                                vendor_error_code=vendor))


async def session(cp: ChargePoint16, connector: int, wh: int):
    started = await cp_call(cp, call16.StartTransaction(connector_id=connector, id_tag="CARD-1", meter_start=1000, timestamp=now_iso()))
    await cp_call(cp, call16.StopTransaction(meter_stop=1000 + wh, timestamp=now_iso(), transaction_id=started.transaction_id, reason="Local"))


class Fleet:
    """The server, its users and what the setup did."""

    def __init__(self, server: VigilProcess, db: Path, tokens: dict[str, str]):
        self.server, self.db, self.tokens = server, db, tokens

    def url(self, fragment: str = "") -> str:
        return f"http://127.0.0.1:{self.server.port('http')}/dashboard/{fragment}"

    def decisions(self, rule: str) -> list[dict]:
        status, body, _ = api(self.server, f"/api/v1/decisions?rule={rule}&limit=1000", self.tokens["admin"])
        assert status == 200, body
        return body


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    directory = tmp_path_factory.mktemp("dashboard")
    rules = directory / "rules"
    rules.mkdir()
    (rules / "rules.yaml").write_text(RULES)
    db = directory / "vigil.sqlite"
    server = VigilProcess(["serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", str(db), "--rules", str(rules)],
                          ["ocpp", "http"]).start()
    try:
        async def setup():
            for station in STATIONS:
                async with charge_point(server, ChargePoint16, station, V16) as cp:
                    await boot(cp)
                    if station == "CP-A1":
                        await session(cp, 1, 7_400)
                        await session(cp, 2, 12_300)
                    if station == "CP-B1":
                        await session(cp, 1, 3_100)
                        # A fault the approval rule holds for a supervisor, and one that pages on-call.
                        await status(cp, 1, "Faulted", "OtherError", "E-101")
                        await status(cp, 2, "Faulted", "GroundFailure", "0x0004")
        run(setup())
        for station, site in STATIONS.items():
            vigil(db, "stations", "site", station, site)
        tokens = {}
        for name, access, approves in [("olga", "operator", ["--approves", "supervisor"]), ("vic", "viewer", []),
                                       ("root", "admin", [])]:
            tokens["admin" if access == "admin" else access] = vigil(db, "users", "add", name, "--access", access, *approves).strip().splitlines()[-1]
        fleet = Fleet(server, db, tokens)
        run(wait_until(lambda: any(d["kind"] == "awaitingApproval" for d in fleet.decisions("ask-before-reset")), "the held ladder"))
        yield fleet
    finally:
        server.close()


async def open_page(browser: Chromium, fleet: Fleet, token: str | None, fragment: str, width: int = 1280, height: int = 800,
                    answers: dict | None = None):
    """A tab signed in with `token` (sessionStorage, as the login page leaves it) showing
    `fragment`; `answers` stand in for API routes (see `Page.answer`)."""
    page = await browser.page(width, height)
    if answers:
        await page.answer(answers)
    await page.goto(fleet.url())
    if token is not None:
        await page.evaluate(f"sessionStorage.setItem('vigil.token', {json.dumps(token)}); true")
    # A new document (a fragment change alone would not reload), and only its own console counts.
    await page.goto("about:blank")
    page.events.clear()
    await page.goto(fleet.url("#" + fragment))
    await page.wait_for("document.body.getAttribute('data-rendered') !== null", f"{fragment} to render")
    return page


def assert_no_console_errors(page, where: str):
    errors = page.console_errors(NOT_YET_MERGED)
    assert errors == [], f"{where}: {errors}"


def test_every_page_renders_live_data_with_the_csp_and_no_console_error(fleet):
    shots = screenshot_dir()

    async def tour():
        async with Chromium(CHROMIUM) as browser, contextlib.AsyncExitStack() as chargers:
            # Every charger online for the tour (CP-B1 keeps its faults: it only boots).
            for station in STATIONS:
                cp = await chargers.enter_async_context(charge_point(fleet.server, ChargePoint16, station, V16))
                if station == "CP-B1":
                    await cp_call(cp, call16.BootNotification(charge_point_vendor="ABB", charge_point_model="Terra AC"))
                else:
                    await boot(cp)
            # Login: without a token the page asks for one (the 401 of /api/v1/me is expected here).
            page = await browser.page()
            await page.goto(fleet.url())
            await page.wait_for("!!document.querySelector('input[name=token]')", "the login form")
            assert "Sign in" in await page.evaluate("document.body.innerText")
            headers = page.response_headers("/dashboard/")
            assert "default-src 'self'" in headers["content-security-policy"] and "unsafe-inline" not in headers["content-security-policy"]
            assert headers["x-content-type-options"] == "nosniff"
            await page.screenshot(shots / "login.png")
            # Signing in through the form.
            await page.evaluate(f"document.querySelector('input[name=token]').value = {json.dumps(fleet.tokens['admin'])};"
                                "document.querySelector('form').requestSubmit(); true")
            await page.wait_for("document.body.getAttribute('data-page') === 'network'", "the network page after sign-in")
            assert "root · admin" in await page.evaluate("document.getElementById('who').textContent")
            await page.close()

            checks = [
                ("network", "/network", "depot-north", "retail-south"),
                ("site", "/site/depot-north", "CP-A1", "Sessions by hour of day"),
                ("charger", "/charger/CP-B1", "E-101", "BootNotification"),
                ("errors", "/errors", "0x0004", "GroundFailure"),
                ("remediation", "/remediation", "ask-before-reset", "Awaiting approval"),
                ("audit", "/audit", "Entries (", "ask-before-reset"),
            ]
            for name, fragment, *texts in checks:
                page = await open_page(browser, fleet, fleet.tokens["admin"], fragment)
                for text in texts:
                    await page.wait_for(f"document.body.innerText.includes({json.dumps(text)})", f"{text!r} on {name}")
                await page.wait_for("document.getElementById('live').textContent === 'live'", f"the live stream on {name}")
                await page.screenshot(shots / f"{name}.png")
                if name == "audit":
                    await filter_and_export_the_audit_trail(page)
                assert_no_console_errors(page, name)
                await page.close()
            # The network page on a phone.
            page = await open_page(browser, fleet, fleet.tokens["admin"], "/network", width=390, height=844)
            await page.wait_for("document.body.innerText.includes('depot-north')", "the network page on a phone")
            assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "the page scrolls sideways on a phone"
            await page.screenshot(shots / "network-phone.png")
            assert_no_console_errors(page, "network on a phone")
            await page.close()

    run(tour(), timeout=180)
    # The ground failure paged on-call, and the network page lists the open alert.
    status, alerts, _ = api(fleet.server, "/api/v1/alerts?status=open", fleet.tokens["viewer"])
    assert status == 200 and any(a["rule"] == "page-on-ground-failure" for a in alerts), alerts


async def filter_and_export_the_audit_trail(page):
    kinds = "Array.from(document.querySelectorAll('tbody tr')).map(r => r.children[2].textContent)"
    assert "alert" in await page.evaluate(kinds)
    await page.evaluate("document.querySelector('select[name=kind]').value = 'decision';"
                        "document.querySelector('form.filters').requestSubmit(); true")
    await page.wait_for(f"(k => k.length > 0 && k.every(x => x === 'decision'))({kinds})", "only decisions after filtering")
    await page.evaluate("document.querySelector('[data-action=export]').click(); true")
    await page.wait_for("document.body.innerText.includes('Exported vigil-audit.csv')", "the CSV export")


def test_status_changes_and_alerts_appear_without_a_reload(fleet):
    async def scenario():
        async with Chromium(CHROMIUM) as browser, charge_point(fleet.server, ChargePoint16, "CP-A2", V16) as cp:
            await boot(cp)
            site = await open_page(browser, fleet, fleet.tokens["viewer"], "/site/depot-north")
            charger = await open_page(browser, fleet, fleet.tokens["viewer"], "/charger/CP-A2")
            for page in (site, charger):
                await page.wait_for("document.getElementById('live').textContent === 'live'", "the live stream")
                await page.wait_for("document.querySelector('[data-key=\"CP-A2/2/1\"] [data-role=status]').textContent === 'Available'",
                                    "CP-A2 connector 2 available")
                await page.evaluate("window.__sameDocument = 'yes'; true")
            await status(cp, 2, "Preparing")
            await status(cp, 2, "Charging")
            for page in (site, charger):
                await page.wait_for("document.querySelector('[data-key=\"CP-A2/2/1\"] [data-role=status]').textContent === 'Charging'",
                                    "CP-A2 connector 2 charging, pushed over SSE")
                assert await page.evaluate("window.__sameDocument") == "yes", "the page was reloaded"
                assert "(live)" in await page.evaluate("document.querySelector('[data-key=\"CP-A2/2/1\"] [data-role=updated]').textContent")
                assert_no_console_errors(page, "live update")
                await page.close()
            await status(cp, 2, "Available")
            # An alert raised meanwhile shows on the network page without a reload.
            network = await open_page(browser, fleet, fleet.tokens["viewer"], "/network")
            await network.wait_for("document.getElementById('live').textContent === 'live'", "the live stream")
            await network.evaluate("window.__sameDocument = 'yes'; true")
            assert "CP-A2 connector 1: ground failure" not in await network.evaluate("document.body.innerText")
            await status(cp, 1, "Faulted", "GroundFailure", "0x0004")
            await network.wait_for("document.body.innerText.includes('CP-A2 connector 1: ground failure')", "the new alert, pushed over SSE")
            assert await network.evaluate("window.__sameDocument") == "yes", "the page was reloaded"
            assert_no_console_errors(network, "network")
            await network.close()

    run(scenario(), timeout=120)
    # The stream took the viewer's token as ?token=; the server never logs it.
    assert fleet.tokens["viewer"] not in fleet.server.stderr_text() + "\n".join(fleet.server.stdout_lines)


def test_an_approval_clicked_on_the_remediation_page_reaches_the_engine(fleet):
    async def scenario():
        async with Chromium(CHROMIUM) as browser, charge_point(fleet.server, ChargePoint16, "CP-A1", V16) as cp:
            await boot(cp)
            await status(cp, 1, "Faulted", "OtherError", "E-202")
            await wait_until(lambda: any(d["kind"] == "awaitingApproval" and d["target"]["key"] == "CP-A1/1"
                                         for d in fleet.decisions("ask-before-reset")), "CP-A1/1 held for approval")
            page = await open_page(browser, fleet, fleet.tokens["operator"], "/remediation")
            row = "Array.from(document.querySelectorAll('tr')).find(r => r.innerText.includes('CP-A1/1') && r.querySelector('[data-action=approve]'))"
            await page.wait_for(f"!!({row})", "the Approve button for CP-A1/1")
            await page.evaluate(f"({row}).querySelector('[data-action=approve]').click(); true")
            await page.wait_for("document.body.innerText.includes('Approved: ask-before-reset for CP-A1/1')", "the approval's confirmation")
            # The engine took it: the ladder goes on to its reset, which reaches the charger.
            await wait_until(lambda: any(name == "Reset" for name, _ in cp.received), "the Reset the approval let through", timeout=20)
            decided = [d for d in fleet.decisions("ask-before-reset") if d["target"]["key"] == "CP-A1/1"]
            assert [d["kind"] for d in decided][-2:] == ["approved", "act"], decided
            assert_no_console_errors(page, "remediation")
            await page.close()
            await status(cp, 1, "Available")

    run(scenario(), timeout=120)
    status_code, entries, _ = api(fleet.server, "/api/v1/audit?kind=operator", fleet.tokens["admin"])
    assert status_code == 200 and any(e["action"] == "approve" and e["actor"] == "olga" for e in entries), entries


def test_a_viewer_sees_no_action_buttons(fleet):
    async def scenario():
        async with Chromium(CHROMIUM) as browser:
            # The same held ladder (CP-B1/1): an operator gets the buttons, a viewer does not.
            operator = await open_page(browser, fleet, fleet.tokens["operator"], "/remediation")
            await operator.wait_for("document.querySelectorAll('[data-action=approve]').length > 0", "the operator's buttons")
            viewer = await open_page(browser, fleet, fleet.tokens["viewer"], "/remediation")
            await viewer.wait_for("document.body.innerText.includes('CP-B1/1')", "the held ladder on the viewer's page")
            assert await viewer.evaluate("document.querySelectorAll('button[data-action=approve], button[data-action=reject]').length") == 0
            assert "read-only" in await viewer.evaluate("document.body.innerText")
            assert "vic · viewer" in await viewer.evaluate("document.getElementById('who').textContent")
            # The audit page tells a viewer it needs auditor access instead of failing.
            audit = await open_page(browser, fleet, fleet.tokens["viewer"], "/audit")
            await audit.wait_for("document.body.innerText.includes('needs auditor')", "the audit page's access notice")
            for page, where in ((operator, "operator"), (viewer, "viewer")):
                assert_no_console_errors(page, where)
            for page in (operator, viewer, audit):
                await page.close()

    run(scenario(), timeout=120)
    # And the API agrees: the viewer's token cannot approve.
    request = urllib.request.Request(f"http://127.0.0.1:{fleet.server.port('http')}/api/v1/approvals", method="POST",
                                     data=json.dumps({"rule": "ask-before-reset", "target": "CP-B1/1", "approved": True}).encode(),
                                     headers={"Content-Type": "application/json", "Authorization": f"Bearer {fleet.tokens['viewer']}"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=STEP)
    assert refused.value.code == 403


# The metrics engineer's routes, answered in the browser exactly as issue #19 specifies them,
# to hold the pages to those shapes until the routes are merged into this branch.
SITE_NORTH = {"id": "depot-north", "name": "Depot North", "timeZone": "Europe/Berlin", "stations": 2,
              "connectors": {"Available": 3, "Charging": 1}, "online": 2, "offline": 0}
SPECIFIED = {
    "/api/v1/sites": {"sites": [SITE_NORTH, {"id": "retail-south", "name": "Retail South", "timeZone": "Europe/Berlin", "stations": 1,
                                             "connectors": {"Faulted": 2}, "online": 1, "offline": 0}],
                      "unassigned": {"stations": 0, "connectors": {}, "online": 0, "offline": 0}},
    "/api/v1/sites/": {**SITE_NORTH, "stationIds": ["CP-A1", "CP-A2"]},
    "/api/v1/metrics/sessions": {"sessions": 42, "successful": 39, "successRate": 39 / 42, "failures": {"EVDisconnected": 2, "PowerLoss": 1},
                                 "energyKWh": 512.4, "meanDurationSeconds": 3600, "medianDurationSeconds": 3000, "chargingShare": 0.41,
                                 "occupiedShare": 0.55, "peakHours": {"byHour": [0] * 7 + [3, 6, 4, 2, 2, 5, 3, 2, 2, 3, 5, 4, 1] + [0] * 4,
                                                                      "byWeekday": [8, 7, 6, 7, 9, 3, 2]},
                                 "stations": [], "sites": []},
    "/api/v1/metrics/errors": {"errors": [{"vendor": "ABB", "code": "0x0004", "ocppErrorCode": "GroundFailure", "title": "Residual current detected",
                                           "count": 7, "stations": ["CP-B1"], "site": "retail-south", "firstSeen": "2026-11-20T08:00:00Z",
                                           "lastSeen": "2026-12-04T17:30:00Z", "meanTimeToRecoverySeconds": 1800,
                                           "meanTimeBetweenFaultsSeconds": 172800}]},
    "/api/v1/metrics/remediation": {"byRule": [{"rule": "ask-before-reset", "actions": 5, "verified": 4, "verifiedShare": 0.8,
                                                "medianRecoverySeconds": 240}],
                                    "byModel": [], "medianRecoveryWithActionSeconds": 240, "medianRecoveryWithoutActionSeconds": 2400},
}


def test_the_pages_read_the_specified_metrics_routes(fleet):
    """With /api/v1/sites and the session, error and remediation metrics answering as specified,
    the pages show them instead of "not available" (and without console errors)."""
    async def scenario():
        async with Chromium(CHROMIUM) as browser:
            expectations = [
                ("/network", ["Depot North", "Retail South", "92.9 %", "Sites as configured."]),
                ("/site/depot-north", ["Site Depot North", "Sessions, last 30 days", "512.4 kWh", "50 min 0 s", "Sessions by hour of day"]),
                ("/errors", ["Residual current detected", "30 min 0 s", "2 d 0 h"]),
                ("/remediation", ["By rule, last 30 days", "80.0 %", "4 min 0 s", "without 40 min 0 s"]),
            ]
            for fragment, texts in expectations:
                page = await open_page(browser, fleet, fleet.tokens["operator"], fragment, answers=SPECIFIED)
                for text in texts:
                    await page.wait_for(f"document.body.innerText.includes({json.dumps(text)})", f"{text!r} on {fragment}")
                assert "not available" not in await page.evaluate("document.body.innerText"), fragment
                assert_no_console_errors(page, fragment)
                await page.close()

    run(scenario(), timeout=120)
