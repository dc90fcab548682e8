"""OCPP interop tests: the independent Python `ocpp` package (mobilityhouse) plays
OCPP 1.6 and 2.0.1 charge points against `vigil ocpp-harness`, a minimal
schema-validating central system.

* Charger -> harness: every charger-initiated action the harness answers, with
  realistic payloads built by the `ocpp` package, and the typed responses.
* Harness -> charger: `POST /call/{station}/{action}` on the harness's HTTP port
  makes it call the Python charge point; the result (or the failure) comes back
  as JSON.
* Negative: raw WebSocket clients send schema-invalid CALLs and check the exact
  CALLERROR frames; the `ocpp` package maps them to its exception classes.

Every test is plain synchronous pytest that drives asyncio with `asyncio.run`;
every await is bounded by a timeout.
"""

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
def _harness_process():
    proc = start_harness()
    try:
        yield proc
    finally:
        proc.close()


@pytest.fixture
def harness(_harness_process):
    """A shared `vigil ocpp-harness`; the test fails if it crashed during the test."""
    yield from _checked(_harness_process)


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


def test_harness_announces_ocpp_then_http(harness):
    assert harness.stdout_lines[0].startswith("ocpp listening on 127.0.0.1:"), harness.stdout_lines
    assert harness.stdout_lines[1].startswith("http listening on 127.0.0.1:"), harness.stdout_lines
    assert harness.port("ocpp") > 0 and harness.port("http") > 0
    assert harness.port("ocpp") != harness.port("http")


# ---------------------------------------------------------------------------
# 1. Charger -> harness: every charger-initiated action it answers
# ---------------------------------------------------------------------------


def meter_value_16(context: str, energy_wh: float, ts: str | None = None) -> dt16.MeterValue:
    return dt16.MeterValue(
        timestamp=ts or now_iso(),
        sampled_value=[
            dt16.SampledValue(
                value=f"{energy_wh:.1f}",
                context=context,
                format="Raw",
                measurand="Energy.Active.Import.Register",
                location="Outlet",
                unit="Wh",
            ),
            dt16.SampledValue(value="7360", context=context, measurand="Power.Active.Import", unit="W"),
            dt16.SampledValue(value="32.0", context=context, measurand="Current.Import", phase="L1", unit="A"),
            dt16.SampledValue(value="31.8", context=context, measurand="Current.Import", phase="L2", unit="A"),
            dt16.SampledValue(value="230.1", context=context, measurand="Voltage", phase="L1-N", unit="V"),
            dt16.SampledValue(value="57", context=context, measurand="SoC", location="EV", unit="Percent"),
            dt16.SampledValue(value="41.5", context=context, measurand="Temperature", location="Body", unit="Celsius"),
            dt16.SampledValue(value="50.0", context=context, measurand="Frequency"),
        ],
    )


def test_v16_charge_point_exchanges_every_charger_message(fresh_harness):
    h = fresh_harness

    async def scenario():
        async with charge_point(h, ChargePoint16, "CP16-ALL", V16) as cp:
            boot = await cp_call(
                cp,
                call16.BootNotification(
                    charge_point_vendor="VigilInterop",
                    charge_point_model="PyCP-16",
                    charge_point_serial_number="SN-16-0001",
                    charge_box_serial_number="BOX-16-0001",
                    firmware_version="1.2.3",
                    iccid="89490200001234567890",
                    imsi="262011234567890",
                    meter_type="AC-3P",
                    meter_serial_number="MTR-0001",
                ),
            )
            assert isinstance(boot, result16.BootNotification)
            assert boot.status == "Accepted"
            assert boot.interval == 300
            assert_current_time(boot.current_time)

            beat = await cp_call(cp, call16.Heartbeat())
            assert isinstance(beat, result16.Heartbeat)
            assert_current_time(beat.current_time)

            for connector, status in [(0, "Available"), (1, "Preparing"), (2, "Available")]:
                res = await cp_call(
                    cp,
                    call16.StatusNotification(
                        connector_id=connector,
                        error_code="NoError",
                        status=status,
                        timestamp=now_iso(),
                        info="cable plugged" if status == "Preparing" else None,
                        vendor_id="com.example.vigil",
                        vendor_error_code="0x00",
                    ),
                )
                assert res == result16.StatusNotification()

            auth = await cp_call(cp, call16.Authorize(id_tag="04A2B3C4D5E6F7"))
            assert auth.id_tag_info == {"status": "Accepted"}

            # Two transactions on this harness: ids 1 and 2, in that order.
            start1 = await cp_call(
                cp,
                call16.StartTransaction(
                    connector_id=1, id_tag="04A2B3C4D5E6F7", meter_start=12000, timestamp=now_iso()
                ),
            )
            start2 = await cp_call(
                cp,
                call16.StartTransaction(
                    connector_id=2, id_tag="TAG-2", meter_start=500, timestamp=now_iso(), reservation_id=7
                ),
            )
            assert (start1.transaction_id, start2.transaction_id) == (1, 2)
            assert start1.id_tag_info == {"status": "Accepted"}
            assert start2.id_tag_info == {"status": "Accepted"}

            mv = await cp_call(
                cp,
                call16.MeterValues(
                    connector_id=1,
                    transaction_id=start1.transaction_id,
                    meter_value=[
                        meter_value_16("Sample.Periodic", 12500.0),
                        meter_value_16("Sample.Clock", 12750.5),
                    ],
                ),
            )
            assert mv == result16.MeterValues()

            stop = await cp_call(
                cp,
                call16.StopTransaction(
                    meter_stop=13000,
                    timestamp=now_iso(),
                    transaction_id=start1.transaction_id,
                    reason="EVDisconnected",
                    id_tag="04A2B3C4D5E6F7",
                    transaction_data=[
                        meter_value_16("Transaction.Begin", 12000.0),
                        meter_value_16("Transaction.End", 13000.0),
                    ],
                ),
            )
            assert stop.id_tag_info == {"status": "Accepted"}
            stop2 = await cp_call(
                cp, call16.StopTransaction(meter_stop=900, timestamp=now_iso(), transaction_id=start2.transaction_id)
            )
            assert stop2.id_tag_info == {"status": "Accepted"}

            dt = await cp_call(
                cp,
                call16.DataTransfer(
                    vendor_id="com.example.vigil", message_id="Telemetry", data=json.dumps({"temp": 41.5})
                ),
            )
            assert dt.status == "Accepted"

            assert await cp_call(cp, call16.DiagnosticsStatusNotification(status="Uploaded")) == (
                result16.DiagnosticsStatusNotification()
            )
            assert await cp_call(cp, call16.FirmwareStatusNotification(status="Installed")) == (
                result16.FirmwareStatusNotification()
            )
            assert await cp_call(
                cp,
                call16.SecurityEventNotification(
                    type="StartupOfTheDevice", timestamp=now_iso(), tech_info="cold boot after firmware update"
                ),
            ) == result16.SecurityEventNotification()
            sign = await cp_call(
                cp,
                call16.SignCertificate(
                    csr="-----BEGIN CERTIFICATE REQUEST-----\nMIIBVjCB/AIBADBQ\n-----END CERTIFICATE REQUEST-----"
                ),
            )
            assert sign.status == "Accepted"
            assert await cp_call(cp, call16.LogStatusNotification(status="Uploaded", request_id=17)) == (
                result16.LogStatusNotification()
            )
            assert await cp_call(
                cp, call16.SignedFirmwareStatusNotification(status="SignatureVerified", request_id=18)
            ) == result16.SignedFirmwareStatusNotification()

        # Another charger on the same harness continues the same sequence.
        async with charge_point(h, ChargePoint16, "CP16-ALL-2", V16) as cp2:
            start3 = await cp_call(
                cp2, call16.StartTransaction(connector_id=1, id_tag="TAG-3", meter_start=0, timestamp=now_iso())
            )
            start4 = await cp_call(
                cp2, call16.StartTransaction(connector_id=1, id_tag="TAG-4", meter_start=0, timestamp=now_iso())
            )
            assert (start3.transaction_id, start4.transaction_id) == (3, 4)

    run(scenario())


def meter_value_201(context: str, energy_wh: float) -> dt201.MeterValueType:
    return dt201.MeterValueType(
        timestamp=now_iso(),
        sampled_value=[
            dt201.SampledValueType(
                value=energy_wh,
                context=context,
                measurand="Energy.Active.Import.Register",
                location="Outlet",
                unit_of_measure=dt201.UnitOfMeasureType(unit="Wh", multiplier=0),
            ),
            dt201.SampledValueType(
                value=7.36,
                context=context,
                measurand="Power.Active.Import",
                unit_of_measure=dt201.UnitOfMeasureType(unit="kW", multiplier=0),
            ),
            dt201.SampledValueType(value=32.0, context=context, measurand="Current.Import", phase="L1"),
            dt201.SampledValueType(value=31.9, context=context, measurand="Current.Import", phase="L2"),
            dt201.SampledValueType(value=230.2, context=context, measurand="Voltage", phase="L1-N"),
            dt201.SampledValueType(value=61, context=context, measurand="SoC", location="EV"),
            dt201.SampledValueType(value=49.98, context=context, measurand="Frequency"),
        ],
    )


def test_v201_charge_point_exchanges_every_charger_message(harness):
    h = harness

    async def scenario():
        async with charge_point(h, ChargePoint201, "CS201-ALL", V201) as cp:
            boot = await cp_call(
                cp,
                call201.BootNotification(
                    charging_station=dt201.ChargingStationType(
                        vendor_name="VigilInterop",
                        model="PyCS-201",
                        serial_number="SN-201-0001",
                        firmware_version="2.0.1-rc1",
                        modem=dt201.ModemType(iccid="89490200001234567890", imsi="262011234567890"),
                    ),
                    reason="PowerUp",
                ),
            )
            assert isinstance(boot, result201.BootNotification)
            assert boot.status == "Accepted"
            assert boot.interval == 300
            assert_current_time(boot.current_time)

            beat = await cp_call(cp, call201.Heartbeat())
            assert_current_time(beat.current_time)

            for evse, status in [(1, "Available"), (2, "Occupied")]:
                res = await cp_call(
                    cp,
                    call201.StatusNotification(
                        timestamp=now_iso(), connector_status=status, evse_id=evse, connector_id=1
                    ),
                )
                assert res == result201.StatusNotification()

            id_token = dt201.IdTokenType(id_token="04A2B3C4D5E6F7", type="ISO14443")
            auth = await cp_call(cp, call201.Authorize(id_token=id_token))
            assert auth.id_token_info == {"status": "Accepted"}

            # A whole transaction: Started, Updated, Ended.
            tx = "b4b3c9a6-0f5e-4d1e-9a33-6f1c1a2b3c4d"
            started = await cp_call(
                cp,
                call201.TransactionEvent(
                    event_type="Started",
                    timestamp=now_iso(),
                    trigger_reason="Authorized",
                    seq_no=0,
                    transaction_info=dt201.TransactionType(transaction_id=tx, charging_state="EVConnected"),
                    evse=dt201.EVSEType(id=1, connector_id=1),
                    id_token=id_token,
                    meter_value=[meter_value_201("Transaction.Begin", 12000.0)],
                    number_of_phases_used=3,
                    cable_max_current=32,
                ),
            )
            assert started.id_token_info == {"status": "Accepted"}
            updated = await cp_call(
                cp,
                call201.TransactionEvent(
                    event_type="Updated",
                    timestamp=now_iso(),
                    trigger_reason="MeterValuePeriodic",
                    seq_no=1,
                    transaction_info=dt201.TransactionType(
                        transaction_id=tx, charging_state="Charging", time_spent_charging=900
                    ),
                    evse=dt201.EVSEType(id=1, connector_id=1),
                    meter_value=[
                        meter_value_201("Sample.Periodic", 12500.0),
                        meter_value_201("Sample.Periodic", 12750.0),
                    ],
                ),
            )
            assert updated.id_token_info == {"status": "Accepted"}
            ended = await cp_call(
                cp,
                call201.TransactionEvent(
                    event_type="Ended",
                    timestamp=now_iso(),
                    trigger_reason="StopAuthorized",
                    seq_no=2,
                    transaction_info=dt201.TransactionType(
                        transaction_id=tx, charging_state="EVConnected", stopped_reason="Local",
                        time_spent_charging=1800,
                    ),
                    evse=dt201.EVSEType(id=1, connector_id=1),
                    id_token=id_token,
                    meter_value=[meter_value_201("Transaction.End", 13000.0)],
                ),
            )
            assert ended.id_token_info == {"status": "Accepted"}

            mv = await cp_call(
                cp,
                call201.MeterValues(
                    evse_id=2,
                    meter_value=[meter_value_201("Sample.Clock", 500.0), meter_value_201("Sample.Clock", 650.5)],
                ),
            )
            assert mv == result201.MeterValues()

            evt = await cp_call(
                cp,
                call201.NotifyEvent(
                    generated_at=now_iso(),
                    seq_no=0,
                    event_data=[
                        dt201.EventDataType(
                            event_id=1,
                            timestamp=now_iso(),
                            trigger="Delta",
                            actual_value="Occupied",
                            event_notification_type="HardWiredNotification",
                            component=dt201.ComponentType(
                                name="Connector", evse=dt201.EVSEType(id=2, connector_id=1)
                            ),
                            variable=dt201.VariableType(name="AvailabilityState"),
                        ),
                        dt201.EventDataType(
                            event_id=2,
                            timestamp=now_iso(),
                            trigger="Alerting",
                            actual_value="85",
                            event_notification_type="PreconfiguredMonitor",
                            component=dt201.ComponentType(name="ChargingStation"),
                            variable=dt201.VariableType(name="Temperature"),
                            cause=1,
                            tech_code="T-HIGH",
                            tech_info="housing temperature above threshold",
                            cleared=False,
                            variable_monitoring_id=3,
                        ),
                    ],
                ),
            )
            assert evt == result201.NotifyEvent()

            report = await cp_call(
                cp,
                call201.NotifyReport(
                    request_id=5,
                    generated_at=now_iso(),
                    seq_no=0,
                    tbc=False,
                    report_data=[
                        dt201.ReportDataType(
                            component=dt201.ComponentType(name="OCPPCommCtrlr"),
                            variable=dt201.VariableType(name="HeartbeatInterval"),
                            variable_attribute=[
                                dt201.VariableAttributeType(
                                    type="Actual", value="300", mutability="ReadWrite", persistent=True, constant=False
                                )
                            ],
                            variable_characteristics=dt201.VariableCharacteristicsType(
                                data_type="integer", supports_monitoring=False, unit="s", min_limit=1, max_limit=86400
                            ),
                        ),
                        dt201.ReportDataType(
                            component=dt201.ComponentType(name="EVSE", evse=dt201.EVSEType(id=1)),
                            variable=dt201.VariableType(name="AvailabilityState"),
                            variable_attribute=[
                                dt201.VariableAttributeType(type="Actual", value="Available", mutability="ReadOnly")
                            ],
                            variable_characteristics=dt201.VariableCharacteristicsType(
                                data_type="OptionList",
                                supports_monitoring=True,
                                values_list="Available,Occupied,Reserved,Unavailable,Faulted",
                            ),
                        ),
                    ],
                ),
            )
            assert report == result201.NotifyReport()

            dt = await cp_call(
                cp, call201.DataTransfer(vendor_id="com.example.vigil", message_id="Telemetry", data={"temp": 41.5})
            )
            assert dt.status == "Accepted"
            assert await cp_call(
                cp,
                call201.SecurityEventNotification(
                    type="StartupOfTheDevice", timestamp=now_iso(), tech_info="cold boot"
                ),
            ) == result201.SecurityEventNotification()
            assert await cp_call(cp, call201.FirmwareStatusNotification(status="Installed", request_id=11)) == (
                result201.FirmwareStatusNotification()
            )
            assert await cp_call(cp, call201.LogStatusNotification(status="Uploaded", request_id=12)) == (
                result201.LogStatusNotification()
            )
            sign = await cp_call(
                cp,
                call201.SignCertificate(
                    csr="-----BEGIN CERTIFICATE REQUEST-----\nMIIBVjCB/AIBADBQ\n-----END CERTIFICATE REQUEST-----",
                    certificate_type="ChargingStationCertificate",
                ),
            )
            assert sign.status == "Accepted"
            assert await cp_call(cp, call201.ClearedChargingLimit(charging_limit_source="EMS", evse_id=1)) == (
                result201.ClearedChargingLimit()
            )
            assert await cp_call(
                cp,
                call201.NotifyChargingLimit(
                    charging_limit=dt201.ChargingLimitType(charging_limit_source="SO", is_grid_critical=True),
                    evse_id=1,
                    charging_schedule=[
                        dt201.ChargingScheduleType(
                            id=1,
                            charging_rate_unit="A",
                            start_schedule=now_iso(),
                            duration=3600,
                            charging_schedule_period=[
                                dt201.ChargingSchedulePeriodType(start_period=0, limit=16.0, number_phases=3),
                                dt201.ChargingSchedulePeriodType(start_period=1800, limit=8.0, number_phases=3),
                            ],
                        )
                    ],
                ),
            ) == result201.NotifyChargingLimit()
            assert await cp_call(
                cp, call201.ReservationStatusUpdate(reservation_id=99, reservation_update_status="Expired")
            ) == result201.ReservationStatusUpdate()

    run(scenario())


def test_version_actions_without_canned_response_are_not_implemented(harness):
    """Charger-initiated actions the version defines but the harness has no
    canned response for (and central-system actions a charger has no business
    sending) get NotImplemented, which the `ocpp` package raises as its
    NotImplementedError."""

    async def scenario():
        async with charge_point(harness, ChargePoint201, "CS201-NI", V201) as cp:
            payloads = [
                call201.NotifyMonitoringReport(
                    request_id=1,
                    seq_no=0,
                    generated_at=now_iso(),
                    monitor=[
                        dt201.MonitoringDataType(
                            component=dt201.ComponentType(name="ChargingStation"),
                            variable=dt201.VariableType(name="Temperature"),
                            variable_monitoring=[
                                dt201.VariableMonitoringType(
                                    id=3, transaction=False, value=80.0, type="UpperThreshold", severity=4
                                )
                            ],
                        )
                    ],
                ),
                call201.PublishFirmwareStatusNotification(status="Published", location=["http://x/fw"], request_id=2),
                call201.NotifyCustomerInformation(data="none", seq_no=0, generated_at=now_iso(), request_id=3),
                call201.NotifyDisplayMessages(request_id=4),
                call201.GetCertificateStatus(
                    ocsp_request_data=dt201.OCSPRequestDataType(
                        hash_algorithm="SHA256",
                        issuer_name_hash="a" * 64,
                        issuer_key_hash="b" * 64,
                        serial_number="01",
                        responder_url="http://ocsp.example.com",
                    )
                ),
                call201.ClearCache(),  # a CSMS -> CS action
            ]
            for payload in payloads:
                action = type(payload).__name__
                with pytest.raises(ocpp.exceptions.NotImplementedError) as info:
                    await cp_call(cp, payload)
                assert info.value.description == f"action {action} is not implemented"
                assert info.value.details == {}

        async with charge_point(harness, ChargePoint16, "CP16-NI", V16) as cp:
            for payload in [call16.Reset(type="Hard"), call16.GetConfiguration(key=["HeartbeatInterval"])]:
                action = type(payload).__name__
                with pytest.raises(ocpp.exceptions.NotImplementedError) as info:
                    await cp_call(cp, payload)
                assert info.value.description == f"action {action} is not implemented"

    run(scenario())


# ---------------------------------------------------------------------------
# 2. Harness -> charger through POST /call/{station}/{action}
# ---------------------------------------------------------------------------


V16_CSMS_CALLS = [
    ("Reset", {"type": "Soft"}, {"status": "Accepted"}, {"type": "Soft"}),
    (
        "ChangeAvailability",
        {"connectorId": 1, "type": "Inoperative"},
        {"status": "Scheduled"},
        {"connector_id": 1, "type": "Inoperative"},
    ),
    (
        "GetConfiguration",
        {"key": ["HeartbeatInterval", "NumberOfConnectors", "NoSuchKey"]},
        {
            "configurationKey": [
                {"key": "HeartbeatInterval", "readonly": False, "value": "300"},
                {"key": "NumberOfConnectors", "readonly": True, "value": "2"},
            ],
            "unknownKey": ["NoSuchKey"],
        },
        {"key": ["HeartbeatInterval", "NumberOfConnectors", "NoSuchKey"]},
    ),
    (
        "ChangeConfiguration",
        {"key": "HeartbeatInterval", "value": "60"},
        {"status": "RebootRequired"},
        {"key": "HeartbeatInterval", "value": "60"},
    ),
    (
        "RemoteStartTransaction",
        {
            "connectorId": 1,
            "idTag": "REMOTE-TAG",
            "chargingProfile": {
                "chargingProfileId": 9,
                "transactionId": 1,
                "stackLevel": 0,
                "chargingProfilePurpose": "TxProfile",
                "chargingProfileKind": "Absolute",
                "chargingSchedule": {
                    "chargingRateUnit": "A",
                    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}],
                },
            },
        },
        {"status": "Accepted"},
        {
            "connector_id": 1,
            "id_tag": "REMOTE-TAG",
            "charging_profile": {
                "charging_profile_id": 9,
                "transaction_id": 1,
                "stack_level": 0,
                "charging_profile_purpose": "TxProfile",
                "charging_profile_kind": "Absolute",
                "charging_schedule": {
                    "charging_rate_unit": "A",
                    "charging_schedule_period": [{"start_period": 0, "limit": 16.0}],
                },
            },
        },
    ),
    ("RemoteStopTransaction", {"transactionId": 1}, {"status": "Rejected"}, {"transaction_id": 1}),
    ("UnlockConnector", {"connectorId": 2}, {"status": "Unlocked"}, {"connector_id": 2}),
    ("ClearCache", {}, {"status": "Accepted"}, {}),
    (
        "DataTransfer",
        {"vendorId": "com.example.vigil", "messageId": "ping", "data": "hello"},
        {"status": "Accepted", "data": "pong from CP16-CSMS"},
        {"vendor_id": "com.example.vigil", "message_id": "ping", "data": "hello"},
    ),
]


def test_v16_harness_calls_python_charge_point(harness):
    station = "CP16-CSMS"

    async def scenario():
        async with charge_point(harness, ChargePoint16, station, V16) as cp:
            # A completed round trip proves the harness has registered the station.
            await cp_call(cp, call16.BootNotification(charge_point_vendor="V", charge_point_model="M"))
            for action, payload, expected, seen in V16_CSMS_CALLS:
                status, body = await harness_call(harness, station, action, payload)
                assert (status, body) == (200, {"result": expected}), action
                assert cp.received[-1] == (action, seen), action

            # TriggerMessage: the charger accepts and then sends what was asked
            # for; the harness answers that too.
            status, body = await harness_call(
                harness, station, "TriggerMessage", {"requestedMessage": "StatusNotification", "connectorId": 1}
            )
            assert (status, body) == (200, {"result": {"status": "Accepted"}})
            assert cp.received[-1] == ("TriggerMessage", {"requested_message": "StatusNotification", "connector_id": 1})
            await wait_until(lambda: cp.triggered, "the triggered StatusNotification to be answered")
            assert cp.triggered == [result16.StatusNotification()]

    run(scenario())


V201_ID_TOKEN = {"idToken": "04A2B3C4D5E6F7", "type": "ISO14443"}
V201_CSMS_CALLS = [
    ("Reset", {"type": "OnIdle", "evseId": 1}, {"status": "Scheduled"}, {"type": "OnIdle", "evse_id": 1}),
    (
        "ChangeAvailability",
        {"operationalStatus": "Inoperative", "evse": {"id": 1, "connectorId": 1}},
        {"status": "Accepted"},
        {"operational_status": "Inoperative", "evse": {"id": 1, "connector_id": 1}},
    ),
    (
        "GetVariables",
        {
            "getVariableData": [
                {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}},
                {
                    "attributeType": "Actual",
                    "component": {"name": "FluxCapacitor", "evse": {"id": 1}},
                    "variable": {"name": "Enabled"},
                },
            ]
        },
        {
            "getVariableResult": [
                {
                    "attributeStatus": "Accepted",
                    "attributeType": "Actual",
                    "attributeValue": "300",
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "HeartbeatInterval"},
                },
                {
                    "attributeStatus": "UnknownComponent",
                    "component": {"name": "FluxCapacitor", "evse": {"id": 1}},
                    "variable": {"name": "Enabled"},
                    "attributeStatusInfo": {"reasonCode": "UnknownComponent", "additionalInfo": "no such component"},
                },
            ]
        },
        {
            "get_variable_data": [
                {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}},
                {
                    "attribute_type": "Actual",
                    "component": {"name": "FluxCapacitor", "evse": {"id": 1}},
                    "variable": {"name": "Enabled"},
                },
            ]
        },
    ),
    (
        "SetVariables",
        {
            "setVariableData": [
                {
                    "attributeValue": "60",
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "HeartbeatInterval"},
                },
                {
                    "attributeType": "Target",
                    "attributeValue": "CS-0001",
                    "component": {"name": "SecurityCtrlr"},
                    "variable": {"name": "Identity"},
                },
            ]
        },
        {
            "setVariableResult": [
                {
                    "attributeStatus": "Accepted",
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "HeartbeatInterval"},
                },
                {
                    "attributeStatus": "RebootRequired",
                    "attributeType": "Target",
                    "component": {"name": "SecurityCtrlr"},
                    "variable": {"name": "Identity"},
                },
            ]
        },
        {
            "set_variable_data": [
                {
                    "attribute_value": "60",
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "HeartbeatInterval"},
                },
                {
                    "attribute_type": "Target",
                    "attribute_value": "CS-0001",
                    "component": {"name": "SecurityCtrlr"},
                    "variable": {"name": "Identity"},
                },
            ]
        },
    ),
    (
        "RequestStartTransaction",
        {"idToken": V201_ID_TOKEN, "remoteStartId": 42, "evseId": 1},
        {"status": "Accepted", "transactionId": "TX-0042"},
        {"id_token": {"id_token": "04A2B3C4D5E6F7", "type": "ISO14443"}, "remote_start_id": 42, "evse_id": 1},
    ),
    ("RequestStopTransaction", {"transactionId": "TX-0042"}, {"status": "Accepted"}, {"transaction_id": "TX-0042"}),
    ("UnlockConnector", {"evseId": 1, "connectorId": 1}, {"status": "Unlocked"}, {"evse_id": 1, "connector_id": 1}),
    (
        "ClearCache",
        {},
        {"status": "Rejected", "statusInfo": {"reasonCode": "NoCache", "additionalInfo": "cache disabled"}},
        {},
    ),
]


def test_v201_harness_calls_python_charge_point(harness):
    station = "CS201-CSMS"

    async def scenario():
        async with charge_point(harness, ChargePoint201, station, V201) as cp:
            await cp_call(cp, call201.Heartbeat())  # the station is registered
            for action, payload, expected, seen in V201_CSMS_CALLS:
                status, body = await harness_call(harness, station, action, payload)
                assert (status, body) == (200, {"result": expected}), action
                assert cp.received[-1] == (action, seen), action

            status, body = await harness_call(harness, station, "TriggerMessage", {"requestedMessage": "Heartbeat"})
            assert (status, body) == (200, {"result": {"status": "Accepted"}})
            assert cp.received[-1] == ("TriggerMessage", {"requested_message": "Heartbeat"})
            await wait_until(lambda: cp.triggered, "the triggered Heartbeat to be answered")
            assert_current_time(cp.triggered[0].current_time)

    run(scenario())


def test_v16_schema_invalid_charger_response_is_502(harness):
    """The `ocpp` package, told to skip its own validation, answers Reset with
    status "Maybe": the harness rejects the response against ResetResponse."""
    station = "CP16-BAD"

    async def scenario():
        async with charge_point(harness, MisbehavingChargePoint16, station, V16) as cp:
            await cp_call(cp, call16.Heartbeat())
            status, body = await harness_call(harness, station, "Reset", {"type": "Hard"})
            assert status == 502, body
            assert body["error"].startswith("invalid response:"), body
            assert body["error"] == (
                f'invalid response: status: "Maybe" is not one of {one_of(RESET_STATUS_16)}'
            ), body

            # A CALLERROR from the charger: 502 naming its code and description.
            status, body = await harness_call(harness, station, "UnlockConnector", {"connectorId": 1})
            assert (status, body) == (502, {"error": "charger answered InternalError: relay stuck"})

            # No handler: the `ocpp` package itself answers with a CALLERROR.
            status, body = await harness_call(harness, station, "GetLocalListVersion", {})
            assert status == 502, body
            assert body["error"].startswith("charger answered NotImplemented: "), body

            # The connection is still usable afterwards.
            assert_current_time((await cp_call(cp, call16.Heartbeat())).current_time)

    run(scenario())


async def raw_station(server, station: str, version: str):
    """A raw WebSocket charger (no ocpp package) that is known to the harness."""
    ws = await ws_connect(ocpp_url(server, station), subprotocols=[version])
    assert ws.subprotocol == version
    await ws.send(json.dumps([2, "boot", "Heartbeat", {}]))
    reply = json.loads(await asyncio.wait_for(ws.recv(), STEP))
    assert reply[:2] == [3, "boot"], reply
    return ws


async def expect_call(ws, action: str, payload: dict) -> str:
    """Receive the harness's CALL; check its framing; return its message id."""
    raw = await asyncio.wait_for(ws.recv(), STEP)
    assert isinstance(raw, str), "OCPP-J frames must be text"
    frame = json.loads(raw)
    assert len(frame) == 4 and frame[0] == 2, frame
    assert isinstance(frame[1], str) and 1 <= len(frame[1]) <= 36, frame
    assert frame[2:] == [action, payload], frame
    return frame[1]


def test_v201_raw_charger_invalid_response_and_callerror(harness):
    station = "CS201-RAW"
    get_vars = {"getVariableData": [{"component": {"name": "X"}, "variable": {"name": "Y"}}]}

    async def scenario():
        ws = await raw_station(harness, station, V201)
        async with ws:
            # Missing required field in the result.
            pending = asyncio.create_task(harness_call(harness, station, "GetVariables", get_vars))
            mid = await expect_call(ws, "GetVariables", get_vars)
            missing = {"getVariableResult": [{"attributeStatus": "Accepted", "component": {"name": "X"}}]}
            await ws.send(json.dumps([3, mid, missing]))
            status, body = await pending
            assert (status, body) == (
                502,
                {"error": "invalid response: getVariableResult[0].variable: required property is missing"},
            )

            # Wrong type deep inside the result.
            pending = asyncio.create_task(harness_call(harness, station, "GetVariables", get_vars))
            mid = await expect_call(ws, "GetVariables", get_vars)
            bad = {
                "getVariableResult": [
                    {"attributeStatus": "Accepted", "component": {"name": 5}, "variable": {"name": "Y"}}
                ]
            }
            await ws.send(json.dumps([3, mid, bad]))
            status, body = await pending
            assert status == 502, body
            assert body["error"] == (
                "invalid response: getVariableResult[0].component.name: expected string, got integer 5"
            )

            # CALLERROR from the charger.
            pending = asyncio.create_task(harness_call(harness, station, "Reset", {"type": "Immediate"}))
            mid = await expect_call(ws, "Reset", {"type": "Immediate"})
            await ws.send(json.dumps([4, mid, "SecurityError", "not allowed right now", {"why": "locked"}]))
            status, body = await pending
            assert (status, body) == (502, {"error": "charger answered SecurityError: not allowed right now"})

            # While the harness waits for our answer, we call it ourselves (both
            # directions may have one call in flight); then we answer.
            unlock = {"evseId": 1, "connectorId": 1}
            pending = asyncio.create_task(harness_call(harness, station, "UnlockConnector", unlock))
            mid = await expect_call(ws, "UnlockConnector", unlock)
            status_notification = {"timestamp": TS, "connectorStatus": "Available", "evseId": 1, "connectorId": 1}
            await ws.send(json.dumps([2, "own-call", "StatusNotification", status_notification]))
            assert json.loads(await asyncio.wait_for(ws.recv(), STEP)) == [3, "own-call", {}]
            assert not pending.done()
            await ws.send(json.dumps([3, mid, {"status": "UnlockFailed"}]))
            assert await pending == (200, {"result": {"status": "UnlockFailed"}})

            # A result for some other id is ignored; the right one is returned.
            pending = asyncio.create_task(harness_call(harness, station, "ClearCache", {}))
            mid = await expect_call(ws, "ClearCache", {})
            await ws.send(json.dumps([3, "not-" + mid[:30], {"status": "Rejected"}]))
            await ws.send(json.dumps([3, mid, {"status": "Accepted"}]))
            status, body = await pending
            assert (status, body) == (200, {"result": {"status": "Accepted"}})

    run(scenario())


def test_v16_raw_charger_invalid_response(harness):
    station = "CP16-RAW"

    async def scenario():
        ws = await raw_station(harness, station, V16)
        async with ws:
            pending = asyncio.create_task(harness_call(harness, station, "Reset", {"type": "Soft"}))
            mid = await expect_call(ws, "Reset", {"type": "Soft"})
            await ws.send(json.dumps([3, mid, {"status": "Maybe"}]))
            status, body = await pending
            assert status == 502, body
            assert body["error"].startswith("invalid response:"), body
            assert body["error"] == f'invalid response: status: "Maybe" is not one of {one_of(RESET_STATUS_16)}'

            pending = asyncio.create_task(harness_call(harness, station, "GetConfiguration", {}))
            mid = await expect_call(ws, "GetConfiguration", {})
            await ws.send(json.dumps([3, mid, {"configurationKey": [{"key": "K", "readonly": "no"}]}]))
            status, body = await pending
            assert (status, body) == (
                502,
                {"error": 'invalid response: configurationKey[0].readonly: expected boolean, got string "no"'},
            )

    run(scenario())


def test_charger_that_never_answers_times_out_after_10s(harness):
    station = "CP16-SILENT"

    async def scenario():
        ws = await raw_station(harness, station, V16)
        async with ws:
            started = time.monotonic()
            pending = asyncio.create_task(harness_call(harness, station, "ClearCache", {}))
            await expect_call(ws, "ClearCache", {})
            status, body = await pending  # bounded by harness_call's own timeout
            elapsed = time.monotonic() - started
            assert status == 502, body
            assert body["error"].startswith("no answer to ClearCache"), body
            assert HARNESS_CALL_TIMEOUT - 0.5 <= elapsed <= HARNESS_CALL_TIMEOUT + 5, elapsed

    run(scenario(), timeout=60)


def test_unknown_station_is_404(harness):
    status, body = http_call(harness, "NO-SUCH-STATION", "Reset", {"type": "Soft"})
    assert status == 404
    assert body == {"error": "station not connected"}


def test_disconnected_station_is_404(harness):
    station = "CP16-GONE"

    async def scenario():
        ws = await raw_station(harness, station, V16)
        await asyncio.wait_for(ws.close(), STEP)
        deadline = time.monotonic() + STEP
        while True:
            status, body = await harness_call(harness, station, "ClearCache", {})
            if status == 404:
                assert body == {"error": "station not connected"}
                return
            # Between the close and the unregistration the call may fail.
            assert status == 502, (status, body)
            assert time.monotonic() < deadline, "station still registered after disconnect"
            await asyncio.sleep(0.1)

    run(scenario())


def test_http_body_must_be_json_object(harness):
    async def scenario():
        ws = await raw_station(harness, "CP16-BODY", V16)
        async with ws:
            status, body = await harness_call(harness, "CP16-BODY", "Reset", None, raw_body=b"[1,2]")
            assert (status, body) == (400, {"error": "body must be a JSON object"})
            status, body = await harness_call(harness, "CP16-BODY", "Reset", None, raw_body=b"{not json")
            assert (status, body) == (400, {"error": "body must be a JSON object"})

    run(scenario())


# ---------------------------------------------------------------------------
# 3. Negative: schema-invalid CALLs from raw clients, exact CALLERROR frames
# ---------------------------------------------------------------------------

TS = "2025-01-01T12:00:00Z"

RAW_CASES_16 = [
    (
        "missing-required",
        '[2,"m1","BootNotification",{"chargePointModel":"M"}]',
        [
            "OccurenceConstraintViolation",
            "chargePointVendor: required property is missing",
            {"path": "chargePointVendor"},
        ],
    ),
    (
        "missing-nested",
        json.dumps([2, "m2", "MeterValues", {"connectorId": 1, "meterValue": [{"timestamp": TS}]}]),
        [
            "OccurenceConstraintViolation",
            "meterValue[0].sampledValue: required property is missing",
            {"path": "meterValue[0].sampledValue"},
        ],
    ),
    (
        "wrong-type",
        json.dumps(
            [2, "t1", "StatusNotification", {"connectorId": "1", "errorCode": "NoError", "status": "Available"}]
        ),
        ["TypeConstraintViolation", 'connectorId: expected integer, got string "1"', {"path": "connectorId"}],
    ),
    (
        "wrong-type-nested",
        json.dumps(
            [
                2,
                "t2",
                "MeterValues",
                {"connectorId": 1, "meterValue": [{"timestamp": TS, "sampledValue": [{"value": 1}]}]},
            ]
        ),
        [
            "TypeConstraintViolation",
            "meterValue[0].sampledValue[0].value: expected string, got integer 1",
            {"path": "meterValue[0].sampledValue[0].value"},
        ],
    ),
    (
        "enum-nested",
        json.dumps(
            [
                2,
                "e1",
                "MeterValues",
                {
                    "connectorId": 1,
                    "meterValue": [
                        {
                            "timestamp": TS,
                            "sampledValue": [
                                {"value": "1", "measurand": "Voltage"},
                                {"value": "2", "measurand": "Bogus"},
                            ],
                        }
                    ],
                },
            ]
        ),
        [
            "PropertyConstraintViolation",
            f'meterValue[0].sampledValue[1].measurand: "Bogus" is not one of {one_of(MEASURANDS_16)}',
            {"path": "meterValue[0].sampledValue[1].measurand"},
        ],
    ),
    (
        "enum",
        json.dumps([2, "e2", "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Sleeping"}]),
        ["PropertyConstraintViolation", f'status: "Sleeping" is not one of {one_of(CP_STATUS_16)}', {"path": "status"}],
    ),
    (
        "too-long",
        json.dumps(
            [
                2,
                "l1",
                "StatusNotification",
                {"connectorId": 1, "errorCode": "NoError", "status": "Available", "info": "i" * 51},
            ]
        ),
        ["PropertyConstraintViolation", "info: 51 characters exceeds maxLength 50", {"path": "info"}],
    ),
    (
        "too-long-idtag",
        json.dumps([2, "l2", "Authorize", {"idTag": "X" * 21}]),
        ["PropertyConstraintViolation", "idTag: 21 characters exceeds maxLength 20", {"path": "idTag"}],
    ),
    (
        "payload-array",
        '[2,"f1","BootNotification",[]]',
        ["FormationViolation", "CALL payload must be an object, got array", {}],
    ),
    (
        "payload-string",
        '[2,"f2","Heartbeat","{}"]',
        ["FormationViolation", "CALL payload must be an object, got string", {}],
    ),
    ("undefined-action", '[2,"n1","FooBar",{}]', ["NotImplemented", "action FooBar is not implemented", {}]),
]

RAW_CASES_201 = [
    (
        "missing-required",
        json.dumps([2, "m1", "StatusNotification", {"timestamp": TS, "connectorStatus": "Available", "evseId": 1}]),
        ["OccurrenceConstraintViolation", "connectorId: required property is missing", {"path": "connectorId"}],
    ),
    (
        "missing-nested",
        json.dumps([2, "m2", "BootNotification", {"reason": "PowerUp", "chargingStation": {"model": "M"}}]),
        [
            "OccurrenceConstraintViolation",
            "chargingStation.vendorName: required property is missing",
            {"path": "chargingStation.vendorName"},
        ],
    ),
    (
        "wrong-type",
        json.dumps(
            [
                2,
                "t1",
                "StatusNotification",
                {"timestamp": TS, "connectorStatus": "Available", "evseId": "1", "connectorId": 1},
            ]
        ),
        ["TypeConstraintViolation", 'evseId: expected integer, got string "1"', {"path": "evseId"}],
    ),
    (
        "enum-nested",
        json.dumps(
            [
                2,
                "e1",
                "MeterValues",
                {
                    "evseId": 1,
                    "meterValue": [
                        {
                            "timestamp": TS,
                            "sampledValue": [
                                {"value": 1.5, "measurand": "Voltage"},
                                {"value": 2, "measurand": "Bogus"},
                            ],
                        }
                    ],
                },
            ]
        ),
        [
            "PropertyConstraintViolation",
            f'meterValue[0].sampledValue[1].measurand: "Bogus" is not one of {one_of(MEASURANDS_201)}',
            {"path": "meterValue[0].sampledValue[1].measurand"},
        ],
    ),
    (
        "enum-in-transaction-event",
        json.dumps(
            [
                2,
                "e2",
                "TransactionEvent",
                {
                    "eventType": "Updated",
                    "timestamp": TS,
                    "triggerReason": "MeterValuePeriodic",
                    "seqNo": 1,
                    "transactionInfo": {"transactionId": "T-1"},
                    "meterValue": [
                        {"timestamp": TS, "sampledValue": [{"value": 1}, {"value": 2, "measurand": "Bogus"}]}
                    ],
                },
            ]
        ),
        [
            "PropertyConstraintViolation",
            f'meterValue[0].sampledValue[1].measurand: "Bogus" is not one of {one_of(MEASURANDS_201)}',
            {"path": "meterValue[0].sampledValue[1].measurand"},
        ],
    ),
    (
        "enum",
        json.dumps([2, "e3", "Authorize", {"idToken": {"idToken": "A", "type": "Bogus"}}]),
        [
            "PropertyConstraintViolation",
            f'idToken.type: "Bogus" is not one of {one_of(ID_TOKEN_TYPES_201)}',
            {"path": "idToken.type"},
        ],
    ),
    (
        "too-long",
        json.dumps(
            [
                2,
                "l1",
                "BootNotification",
                {"reason": "PowerUp", "chargingStation": {"model": "M", "vendorName": "V" * 51}},
            ]
        ),
        [
            "PropertyConstraintViolation",
            "chargingStation.vendorName: 51 characters exceeds maxLength 50",
            {"path": "chargingStation.vendorName"},
        ],
    ),
    (
        "payload-array",
        '[2,"f1","BootNotification",[]]',
        ["FormatViolation", "CALL payload must be an object, got array", {}],
    ),
    (
        "payload-number",
        '[2,"f2","Heartbeat",42]',
        ["FormatViolation", "CALL payload must be an object, got integer", {}],
    ),
    ("undefined-action", '[2,"n1","FooBar",{}]', ["NotImplemented", "action FooBar is not implemented", {}]),
]

RAW_CASES = [(V16, *case) for case in RAW_CASES_16] + [(V201, *case) for case in RAW_CASES_201]


@pytest.mark.parametrize(
    "version,name,frame,expected", RAW_CASES, ids=[f"{v}-{name}" for v, name, _, _ in RAW_CASES]
)
def test_schema_invalid_call_gets_exact_callerror(harness, version, name, frame, expected):
    message_id = json.loads(frame)[1]

    async def scenario():
        async with ws_connect(ocpp_url(harness, f"RAW-{version}-{name}"), subprotocols=[version]) as ws:
            await ws.send(frame)
            raw = await asyncio.wait_for(ws.recv(), STEP)
            assert isinstance(raw, str), "OCPP-J replies must be text frames"
            assert json.loads(raw) == [4, message_id, *expected]
            # The `ocpp` package parses the frame and maps the code to its class.
            parsed = ocpp.messages.unpack(raw)
            assert isinstance(parsed, ocpp.messages.CallError)
            exc = parsed.to_exception()
            assert exc.code == expected[0]
            # The connection stays usable after the error.
            await ws.send('[2,"after","Heartbeat",{}]')
            after_reply = json.loads(await asyncio.wait_for(ws.recv(), STEP))
            assert after_reply[:2] == [3, "after"], after_reply

    run(scenario())


@pytest.mark.parametrize(
    "version,code,exc_class",
    [
        (V16, "FormationViolation", ocpp.exceptions.FormationViolationError),
        (V201, "RpcFrameworkError", None),  # the `ocpp` package has no class for it
    ],
)
def test_invalid_json_with_readable_id(harness, version, code, exc_class):
    async def scenario():
        async with ws_connect(ocpp_url(harness, f"RAW-JSON-{version}"), subprotocols=[version]) as ws:
            await ws.send('[2,"j1","Heartbeat",{bad json}]')
            frame = json.loads(await asyncio.wait_for(ws.recv(), STEP))
            assert frame[:3] == [4, "j1", code], frame
            assert frame[3].startswith("message is not valid JSON"), frame
            assert frame[4] == {}, frame
            if exc_class is not None:
                assert isinstance(ocpp.messages.unpack(json.dumps(frame)).to_exception(), exc_class)
            else:
                with pytest.raises(ocpp.exceptions.UnknownCallErrorCodeError):
                    ocpp.messages.unpack(json.dumps(frame)).to_exception()
            await ws.send('[2,"j2","Heartbeat",{}]')
            assert json.loads(await asyncio.wait_for(ws.recv(), STEP))[:2] == [3, "j2"]

    run(scenario())


@pytest.mark.parametrize("version,code", [(V16, "FormationViolation"), (V201, "RpcFrameworkError")])
@pytest.mark.parametrize(
    "frame,description",
    [
        ('[2,"r1","Heartbeat"]', "CALL must have 4 elements, got 3"),
        ('[2,"r1","",{}]', "CALL action must be a non-empty string"),
        ('[2,"r1",5,{}]', "CALL action must be a non-empty string"),
    ],
    ids=["three-elements", "empty-action", "numeric-action"],
)
def test_malformed_call_frame_with_readable_id(harness, version, code, frame, description):
    async def scenario():
        async with ws_connect(ocpp_url(harness, f"RAW-FRAME-{version}"), subprotocols=[version]) as ws:
            await ws.send(frame)
            reply = json.loads(await asyncio.wait_for(ws.recv(), STEP))
            assert reply == [4, "r1", code, description, {}]

    run(scenario())


@pytest.mark.parametrize(
    "version,code", [(V16, "FormationViolation"), (V201, "MessageTypeNotSupported")]
)
def test_unknown_message_type_id(harness, version, code):
    async def scenario():
        async with ws_connect(ocpp_url(harness, f"RAW-TYPE-{version}"), subprotocols=[version]) as ws:
            await ws.send('[7,"u1","Heartbeat",{}]')
            frame = json.loads(await asyncio.wait_for(ws.recv(), STEP))
            assert frame == [4, "u1", code, "message type id 7 is not 2 (CALL), 3 (CALLRESULT) or 4 (CALLERROR)", {}]

    run(scenario())


def test_ocpp_package_raises_matching_exception_classes(harness):
    """`cp.call(..., suppress=False, skip_schema_validation=True)`: the package
    sends the bad payload and raises the class for the harness's CALLERROR."""

    async def scenario():
        async with charge_point(harness, ocpp.v16.ChargePoint, "CP16-EXC", V16) as cp:
            # Without skipping, the package refuses to send it at all: its own
            # (jsonschema) error carries a "cause", the harness's a "path".
            with pytest.raises(ocpp.exceptions.TypeConstraintViolationError) as info:
                await cp_call(cp, call16.StatusNotification(connector_id="1", error_code="NoError", status="Available"))
            assert "cause" in info.value.details and "path" not in info.value.details

            with pytest.raises(ocpp.exceptions.OccurenceConstraintViolationError) as info:
                await cp_call(
                    cp,
                    call16.BootNotification(charge_point_model="M", charge_point_vendor=None),
                    skip_schema_validation=True,
                )
            assert info.value.description == "chargePointVendor: required property is missing"
            assert info.value.details == {"path": "chargePointVendor"}

            with pytest.raises(ocpp.exceptions.TypeConstraintViolationError) as info:
                await cp_call(
                    cp,
                    call16.StatusNotification(connector_id="1", error_code="NoError", status="Available"),
                    skip_schema_validation=True,
                )
            assert info.value.details == {"path": "connectorId"}

            with pytest.raises(ocpp.exceptions.PropertyConstraintViolationError) as info:
                await cp_call(
                    cp,
                    call16.MeterValues(
                        connector_id=1,
                        meter_value=[
                            dt16.MeterValue(
                                timestamp=now_iso(),
                                sampled_value=[
                                    dt16.SampledValue(value="1", measurand="Voltage"),
                                    dt16.SampledValue(value="2", measurand="Bogus"),
                                ],
                            )
                        ],
                    ),
                    skip_schema_validation=True,
                )
            assert info.value.details == {"path": "meterValue[0].sampledValue[1].measurand"}

            with pytest.raises(ocpp.exceptions.PropertyConstraintViolationError) as info:
                await cp_call(
                    cp,
                    call16.StatusNotification(connector_id=1, error_code="NoError", status="Available", info="i" * 51),
                    skip_schema_validation=True,
                )
            assert info.value.description == "info: 51 characters exceeds maxLength 50"

            # The package's own payloads still work on this connection.
            assert (await cp_call(cp, call16.Heartbeat())).current_time

        async with charge_point(harness, ocpp.v201.ChargePoint, "CS201-EXC", V201) as cp:
            with pytest.raises(ocpp.exceptions.OccurrenceConstraintViolationError) as info:
                await cp_call(
                    cp,
                    call201.BootNotification(charging_station={"model": "M"}, reason="PowerUp"),
                    skip_schema_validation=True,
                )
            assert info.value.details == {"path": "chargingStation.vendorName"}

            with pytest.raises(ocpp.exceptions.PropertyConstraintViolationError) as info:
                await cp_call(
                    cp,
                    call201.StatusNotification(
                        timestamp=now_iso(), connector_status="Sleeping", evse_id=1, connector_id=1
                    ),
                    skip_schema_validation=True,
                )
            assert info.value.description == f'connectorStatus: "Sleeping" is not one of {one_of(CONNECTOR_STATUS_201)}'

            with pytest.raises(ocpp.exceptions.TypeConstraintViolationError):
                await cp_call(
                    cp,
                    call201.StatusNotification(
                        timestamp=now_iso(), connector_status="Available", evse_id="1", connector_id=1
                    ),
                    skip_schema_validation=True,
                )

        # Frame-level errors have no dataclass to build them from: unpack the raw reply.
        for version, exc_class in [
            (V16, ocpp.exceptions.FormationViolationError),
            (V201, ocpp.exceptions.FormatViolationError),
        ]:
            async with ws_connect(ocpp_url(harness, f"RAW-FMT-{version}"), subprotocols=[version]) as ws:
                await ws.send('[2,"p1","Heartbeat",[]]')
                exc = ocpp.messages.unpack(await asyncio.wait_for(ws.recv(), STEP)).to_exception()
                assert isinstance(exc, exc_class)

    run(scenario())


# ---------------------------------------------------------------------------
# Several charge points at once
# ---------------------------------------------------------------------------


def test_concurrent_charge_points(fresh_harness):
    h = fresh_harness
    per_version = 5
    total = 2 * per_version
    booted: list[str] = []
    all_booted = None

    async def together(cp_id: str):
        booted.append(cp_id)
        if len(booted) == total:
            all_booted.set()
        await asyncio.wait_for(all_booted.wait(), 30)

    async def cp16(i: int):
        cp_id = f"CONC-16-{i}"
        async with charge_point(h, ChargePoint16, cp_id, V16) as cp:
            boot = await cp_call(cp, call16.BootNotification(charge_point_vendor="V", charge_point_model=f"M{i}"))
            assert boot.status == "Accepted" and boot.interval == 300
            await together(cp_id)
            for _ in range(3):
                assert_current_time((await cp_call(cp, call16.Heartbeat())).current_time)
            await cp_call(cp, call16.StatusNotification(connector_id=1, error_code="NoError", status="Preparing"))
            start = await cp_call(
                cp, call16.StartTransaction(connector_id=1, id_tag=f"TAG-{i}", meter_start=0, timestamp=now_iso())
            )
            status, body = await harness_call(h, cp_id, "DataTransfer", {"vendorId": "com.example.vigil"})
            assert (status, body) == (200, {"result": {"status": "Accepted", "data": f"pong from {cp_id}"}})
            assert_current_time((await cp_call(cp, call16.Heartbeat())).current_time)
            return start.transaction_id

    async def cp201(i: int):
        cp_id = f"CONC-201-{i}"
        async with charge_point(h, ChargePoint201, cp_id, V201) as cp:
            boot = await cp_call(
                cp,
                call201.BootNotification(
                    charging_station={"model": f"M{i}", "vendor_name": "V"}, reason="PowerUp"
                ),
            )
            assert boot.status == "Accepted" and boot.interval == 300
            await together(cp_id)
            for _ in range(3):
                assert_current_time((await cp_call(cp, call201.Heartbeat())).current_time)
            await cp_call(
                cp,
                call201.StatusNotification(
                    timestamp=now_iso(), connector_status="Occupied", evse_id=1, connector_id=1
                ),
            )
            status, body = await harness_call(h, cp_id, "DataTransfer", {"vendorId": "com.example.vigil"})
            assert (status, body) == (200, {"result": {"status": "Accepted", "data": {"from": cp_id}}})
            assert_current_time((await cp_call(cp, call201.Heartbeat())).current_time)
            return cp_id

    async def scenario():
        nonlocal all_booted
        all_booted = asyncio.Event()
        results = await asyncio.gather(
            *(cp16(i) for i in range(per_version)), *(cp201(i) for i in range(per_version))
        )
        tx_ids = results[:per_version]
        assert sorted(tx_ids) == list(range(1, per_version + 1)), tx_ids
        assert sorted(results[per_version:]) == sorted(f"CONC-201-{i}" for i in range(per_version))

    run(scenario(), timeout=120)
