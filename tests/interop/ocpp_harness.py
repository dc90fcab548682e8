"""Shared pieces of the OCPP interop tests (the Python `ocpp` package against `vigil
ocpp-harness`): the harness fixtures, HTTP and WebSocket helpers, and the scripted 1.6 and
2.0.1 charge points. Test modules import everything from here (`from ocpp_harness import *`),
which registers the fixtures in each module."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

import ocpp
import ocpp.exceptions
import ocpp.messages
import ocpp.v16
import ocpp.v16.call as call16
import ocpp.v16.call_result as result16
import ocpp.v16.datatypes as dt16
import ocpp.v201
import ocpp.v201.call as call201
import ocpp.v201.call_result as result201
import ocpp.v201.datatypes as dt201
from ocpp.routing import after, on

from conftest import VigilProcess, _checked


STEP = 10.0  # timeout for a single network step
HARNESS_CALL_TIMEOUT = 10.0  # the harness gives a charger this long to answer
HTTP_TIMEOUT = HARNESS_CALL_TIMEOUT + 10.0  # urllib timeout for POST /call/...
TEST_TIMEOUT = 90.0  # hard cap on one asyncio.run()

V16 = "ocpp1.6"
V201 = "ocpp2.0.1"

SCHEMAS = Path(ocpp.__file__).resolve().parent


def run(coro, timeout: float = TEST_TIMEOUT):
    """Run a coroutine to completion, failing (not hanging) after `timeout` s."""

    async def bounded():
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(bounded())


# ---------------------------------------------------------------------------
# Harness processes
# ---------------------------------------------------------------------------


def start_harness() -> VigilProcess:
    return VigilProcess(["ocpp-harness"], ["ocpp", "http"]).start()


@pytest.fixture(scope="module")
def harness_process():
    proc = start_harness()
    try:
        yield proc
    finally:
        proc.close()


@pytest.fixture
def harness(harness_process):
    """A shared `vigil ocpp-harness`; the test fails if it crashed during the test."""
    yield from _checked(harness_process)


@pytest.fixture
def fresh_harness():
    """A private harness for tests that depend on its state (transaction ids)."""
    proc = start_harness()
    try:
        yield from _checked(proc)
    finally:
        proc.close()


def ocpp_url(server, cp_id: str) -> str:
    return f"ws://127.0.0.1:{server.port('ocpp')}/ocpp/{urllib.parse.quote(cp_id, safe='')}"


def ws_connect(url: str, **kwargs):
    kwargs.setdefault("open_timeout", STEP)
    kwargs.setdefault("close_timeout", STEP)
    kwargs.setdefault("ping_interval", None)
    return connect(url, **kwargs)


def http_call(server, station: str, action: str, payload, raw_body: bytes | None = None):
    """POST /call/{station}/{action}; returns (status, decoded JSON body)."""
    url = (
        f"http://127.0.0.1:{server.port('http')}/call/"
        f"{urllib.parse.quote(station, safe='')}/{urllib.parse.quote(action, safe='')}"
    )
    body = raw_body if raw_body is not None else json.dumps(payload).encode()
    req = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT) as r:
            assert r.headers.get_content_type() == "application/json"
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as err:
        data = err.read()
        return err.code, (json.loads(data) if data else None)


# Blocking HTTP calls run on their own threads, never on the loop's default
# executor: the `ocpp` package validates every payload with
# `run_in_executor(None, ...)`, so a default pool full of HTTP calls that wait
# for the charger's answer would stop the charger from validating (and sending)
# that answer -- a deadlock at 6 concurrent calls on a 2-core machine.
_HTTP_POOL = concurrent.futures.ThreadPoolExecutor(max_workers=32, thread_name_prefix="harness-http")


async def harness_call(server, station: str, action: str, payload, **kwargs):
    """`http_call` on a worker thread, so the event loop keeps serving the charger."""
    loop = asyncio.get_running_loop()
    work = functools.partial(http_call, server, station, action, payload, **kwargs)
    return await asyncio.wait_for(loop.run_in_executor(_HTTP_POOL, work), HTTP_TIMEOUT + 5)


async def cp_call(cp, payload, **kwargs):
    """`cp.call` that raises CallErrors and can never hang."""
    return await asyncio.wait_for(cp.call(payload, suppress=False, **kwargs), STEP)


@contextlib.asynccontextmanager
async def charge_point(server, cls, cp_id: str, version: str):
    """An `ocpp` package ChargePoint connected to the harness, its reader running."""
    async with ws_connect(ocpp_url(server, cp_id), subprotocols=[version]) as ws:
        assert ws.subprotocol == version
        cp = cls(cp_id, ws, response_timeout=STEP)
        reader = asyncio.create_task(cp.start())
        try:
            yield cp
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                await asyncio.wait_for(reader, STEP)


async def wait_until(predicate, what: str, timeout: float = STEP):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def assert_current_time(value: str):
    """The harness's currentTime: RFC 3339 with a zone, and close to our clock."""
    assert isinstance(value, str), value
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert parsed.tzinfo is not None, value
    skew = abs((datetime.now(timezone.utc) - parsed).total_seconds())
    assert skew < 300, f"currentTime {value} is {skew}s away from now"


def schema16(action: str) -> dict:
    return json.loads((SCHEMAS / "v16" / "schemas" / f"{action}.json").read_text())


def schema201(name: str) -> dict:
    return json.loads((SCHEMAS / "v201" / "schemas" / f"{name}.json").read_text())


def one_of(values) -> str:
    return ", ".join(values)


MEASURANDS_16 = schema16("MeterValues")["properties"]["meterValue"]["items"]["properties"]["sampledValue"][
    "items"
]["properties"]["measurand"]["enum"]
CP_STATUS_16 = schema16("StatusNotification")["properties"]["status"]["enum"]
RESET_STATUS_16 = schema16("ResetResponse")["properties"]["status"]["enum"]
MEASURANDS_201 = schema201("MeterValuesRequest")["definitions"]["MeasurandEnumType"]["enum"]
CONNECTOR_STATUS_201 = schema201("StatusNotificationRequest")["definitions"]["ConnectorStatusEnumType"]["enum"]
ID_TOKEN_TYPES_201 = schema201("AuthorizeRequest")["definitions"]["IdTokenEnumType"]["enum"]


# ---------------------------------------------------------------------------
# Python charge points (the `ocpp` package) with handlers for the harness's calls
# ---------------------------------------------------------------------------


class ChargePoint16(ocpp.v16.ChargePoint):
    """A well-behaved 1.6 charge point; records what the central system asked."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.received: list[tuple[str, dict]] = []
        self.triggered: list = []

    @on("Reset")
    def on_reset(self, **kwargs):
        self.received.append(("Reset", kwargs))
        return result16.Reset(status="Accepted")

    @on("ChangeAvailability")
    def on_change_availability(self, **kwargs):
        self.received.append(("ChangeAvailability", kwargs))
        return result16.ChangeAvailability(status="Scheduled")

    @on("TriggerMessage")
    def on_trigger_message(self, **kwargs):
        self.received.append(("TriggerMessage", kwargs))
        return result16.TriggerMessage(status="Accepted")

    @after("TriggerMessage")
    async def after_trigger_message(self, requested_message, connector_id=None, **kwargs):
        # Do what was asked, while the harness may be busy with its own call.
        assert requested_message == "StatusNotification"
        result = await cp_call(
            self,
            call16.StatusNotification(
                connector_id=connector_id, error_code="NoError", status="Available", timestamp=now_iso()
            ),
        )
        self.triggered.append(result)

    @on("GetConfiguration")
    def on_get_configuration(self, **kwargs):
        self.received.append(("GetConfiguration", kwargs))
        return result16.GetConfiguration(
            configuration_key=[
                dt16.KeyValue(key="HeartbeatInterval", readonly=False, value="300"),
                dt16.KeyValue(key="NumberOfConnectors", readonly=True, value="2"),
            ],
            unknown_key=["NoSuchKey"],
        )

    @on("ChangeConfiguration")
    def on_change_configuration(self, **kwargs):
        self.received.append(("ChangeConfiguration", kwargs))
        return result16.ChangeConfiguration(status="RebootRequired")

    @on("RemoteStartTransaction")
    def on_remote_start_transaction(self, **kwargs):
        self.received.append(("RemoteStartTransaction", kwargs))
        return result16.RemoteStartTransaction(status="Accepted")

    @on("RemoteStopTransaction")
    def on_remote_stop_transaction(self, **kwargs):
        self.received.append(("RemoteStopTransaction", kwargs))
        return result16.RemoteStopTransaction(status="Rejected")

    @on("UnlockConnector")
    def on_unlock_connector(self, **kwargs):
        self.received.append(("UnlockConnector", kwargs))
        return result16.UnlockConnector(status="Unlocked")

    @on("ClearCache")
    def on_clear_cache(self, **kwargs):
        self.received.append(("ClearCache", kwargs))
        return result16.ClearCache(status="Accepted")

    @on("DataTransfer")
    def on_data_transfer(self, **kwargs):
        self.received.append(("DataTransfer", kwargs))
        return result16.DataTransfer(status="Accepted", data=f"pong from {self.id}")


class ChargePoint201(ocpp.v201.ChargePoint):
    """A well-behaved 2.0.1 charging station; records what the CSMS asked."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.received: list[tuple[str, dict]] = []
        self.triggered: list = []

    @on("Reset")
    def on_reset(self, **kwargs):
        self.received.append(("Reset", kwargs))
        return result201.Reset(status="Scheduled")

    @on("ChangeAvailability")
    def on_change_availability(self, **kwargs):
        self.received.append(("ChangeAvailability", kwargs))
        return result201.ChangeAvailability(status="Accepted")

    @on("TriggerMessage")
    def on_trigger_message(self, **kwargs):
        self.received.append(("TriggerMessage", kwargs))
        return result201.TriggerMessage(status="Accepted")

    @after("TriggerMessage")
    async def after_trigger_message(self, requested_message, **kwargs):
        assert requested_message == "Heartbeat"
        self.triggered.append(await cp_call(self, call201.Heartbeat()))

    @on("GetVariables")
    def on_get_variables(self, **kwargs):
        self.received.append(("GetVariables", kwargs))
        return result201.GetVariables(
            get_variable_result=[
                dt201.GetVariableResultType(
                    attribute_status="Accepted",
                    attribute_type="Actual",
                    attribute_value="300",
                    component=dt201.ComponentType(name="OCPPCommCtrlr"),
                    variable=dt201.VariableType(name="HeartbeatInterval"),
                ),
                dt201.GetVariableResultType(
                    attribute_status="UnknownComponent",
                    component=dt201.ComponentType(name="FluxCapacitor", evse=dt201.EVSEType(id=1)),
                    variable=dt201.VariableType(name="Enabled"),
                    attribute_status_info=dt201.StatusInfoType(
                        reason_code="UnknownComponent", additional_info="no such component"
                    ),
                ),
            ]
        )

    @on("SetVariables")
    def on_set_variables(self, **kwargs):
        self.received.append(("SetVariables", kwargs))
        return result201.SetVariables(
            set_variable_result=[
                dt201.SetVariableResultType(
                    attribute_status="Accepted",
                    component=dt201.ComponentType(name="OCPPCommCtrlr"),
                    variable=dt201.VariableType(name="HeartbeatInterval"),
                ),
                dt201.SetVariableResultType(
                    attribute_status="RebootRequired",
                    attribute_type="Target",
                    component=dt201.ComponentType(name="SecurityCtrlr"),
                    variable=dt201.VariableType(name="Identity"),
                ),
            ]
        )

    @on("RequestStartTransaction")
    def on_request_start_transaction(self, **kwargs):
        self.received.append(("RequestStartTransaction", kwargs))
        return result201.RequestStartTransaction(status="Accepted", transaction_id="TX-0042")

    @on("RequestStopTransaction")
    def on_request_stop_transaction(self, **kwargs):
        self.received.append(("RequestStopTransaction", kwargs))
        return result201.RequestStopTransaction(status="Accepted")

    @on("UnlockConnector")
    def on_unlock_connector(self, **kwargs):
        self.received.append(("UnlockConnector", kwargs))
        return result201.UnlockConnector(status="Unlocked")

    @on("ClearCache")
    def on_clear_cache(self, **kwargs):
        self.received.append(("ClearCache", kwargs))
        return result201.ClearCache(
            status="Rejected",
            status_info=dt201.StatusInfoType(reason_code="NoCache", additional_info="cache disabled"),
        )

    @on("DataTransfer")
    def on_data_transfer(self, **kwargs):
        self.received.append(("DataTransfer", kwargs))
        return result201.DataTransfer(status="Accepted", data={"from": self.id})


class MisbehavingChargePoint16(ocpp.v16.ChargePoint):
    """Answers Reset with a schema-invalid status (bypassing the package's own
    validation), UnlockConnector with a CALLERROR, and has no handler at all
    for GetLocalListVersion (the package answers that with a CALLERROR)."""

    @on("Reset", skip_schema_validation=True)
    def on_reset(self, **kwargs):
        return result16.Reset(status="Maybe")

    @on("UnlockConnector")
    def on_unlock_connector(self, **kwargs):
        raise ocpp.exceptions.InternalError(description="relay stuck", details={"relay": 2})


# ---------------------------------------------------------------------------
# Startup
# ---------------------------------------------------------------------------


# A fixed timestamp for hand-written frames.
TS = "2025-01-01T12:00:00Z"
