"""`GET /metrics` after a real fault → reset → verification loop (issue #19): the exposition is
read by the Prometheus project's own parser (`prometheus_client`), and each family the docs
list is there with the values the loop implies.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from test_remediation_interop import audit, charger, run, start, until


def scrape(proc) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{proc.port('http')}/metrics", timeout=10) as response:
        assert response.status == 200 and response.headers.get_content_type() == "text/plain"
        text = response.read().decode()
    families = {family.name: family for family in text_string_to_metric_families(text)}
    return families


def samples(family, **labels):
    return [s.value for s in family.samples if all(s.labels.get(k) == v for k, v in labels.items())]


def test_metrics_cover_the_fault_loop(tmp_path):
    proc = start(tmp_path)
    try:
        async def scenario():
            async with charger(proc, "CP-M") as cp:
                await cp.fault()
                await until(lambda: [e for e in audit(tmp_path, "--station", "CP-M") if e["kind"] == "verification"], "the verification")
                return scrape(proc)

        families = run(scenario())
        # The parser drops the _total suffix from counter family names.
        assert samples(families["vigil_stations_connected"]) == [1.0]
        assert samples(families["vigil_stations_registered"]) == [1.0]
        assert samples(families["vigil_connectors"], status="Available") == [1.0]
        received = families["vigil_ocpp_calls_received"]
        assert samples(received, action="StatusNotification")[0] >= 2 and samples(received, action="BootNotification")[0] >= 2
        assert samples(families["vigil_ocpp_calls_sent"], action="Reset") == [1.0]
        decisions = families["vigil_rule_decisions"]
        assert samples(decisions, rule="reset-then-disable", kind="act") == [1.0]
        assert samples(decisions, rule="reset-then-disable", kind="verified") == [1.0]
        assert samples(families["vigil_rule_events"], kind="statusChanged")[0] >= 2
        assert samples(families["vigil_commands"], action="reset", outcome="accepted") == [1.0]
        latency = families["vigil_store_commit_duration_seconds"]
        assert latency.type == "histogram"
        buckets = [(s.labels["le"], s.value) for s in latency.samples if s.name.endswith("_bucket")]
        counts = [value for _, value in buckets]
        assert counts == sorted(counts) and buckets[-1][0] == "+Inf", buckets
        assert samples(latency)[-1] == counts[-1] or any(s.name.endswith("_count") and s.value == counts[-1] for s in latency.samples)
        assert "vigil_event_consumer_lag_events" in families
        # The records behind the metrics through the API (open: no API user in this run).
        def get(path):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{proc.port('http')}{path}", timeout=10) as response:
                    return response.status, json.loads(response.read())
            except urllib.error.HTTPError as error:
                return error.code, json.loads(error.read())
        status, commands = get("/api/v1/commands?station=CP-M")
        assert status == 200 and [(c["action"], c["status"], c["verification"]) for c in commands] == [("reset", "accepted", "verified")], commands
        status, history = get("/api/v1/stations/CP-M/history")
        assert status == 200 and [h["status"] for h in history][:2] == ["Faulted", "Available"] and history[0]["errorCode"] == "InternalError"
        status, body = get("/api/v1/alerts?status=bogus")
        assert status == 400 and body["code"] == "invalid_parameter" and "open, resolved" in body["error"], body
        assert get("/api/v1/silences")[0] == 200 and get("/api/v1/alerts/deliveries")[0] == 200
        assert get("/api/v1/stations/CP-NONE/history")[0] == 404
        # Every series the example Grafana dashboard and the operator guide's table name exists.
        root = Path(__file__).resolve().parents[2]
        dashboard = json.loads((root / "docs" / "grafana-dashboard.json").read_text())
        named = set(re.findall(r"vigil_[a-z_]+", json.dumps(dashboard)))
        guide = (root / "docs" / "operator-guide.md").read_text().split("## Metrics for Prometheus")[1].split("\n## ")[0]
        named |= {name for name in re.findall(r"`(vigil_[a-z_]+)`", guide)}
        for name in named:
            family = re.sub(r"(_total|_bucket)$", "", name)
            assert family in families, (name, sorted(families))
    finally:
        proc.stop()


def test_the_api_description_is_valid_openapi_3_1(tmp_path):
    """The served description passes the OpenAPI project's validator (an independent reading of
    the 3.1 specification)."""
    from openapi_spec_validator import validate

    proc = start(tmp_path)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{proc.port('http')}/api/v1/openapi.json", timeout=10) as response:
            assert response.status == 200
            document = json.loads(response.read())
    finally:
        proc.stop()
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert document["paths"]["/api/v1/stations/{id}/commands"]["post"]["x-vigil-access"] == "operator"
