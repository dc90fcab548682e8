"""OCPP interop, central system -> charger: `POST /call/{station}/{action}` on the harness's
HTTP port makes `vigil ocpp-harness` call a Python `ocpp` charge point (1.6 and 2.0.1); the
result, or the failure (invalid response, CallError, timeout, unknown or disconnected station),
comes back as JSON."""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest

from ocpp_harness import *  # noqa: F401,F403 — fixtures, helpers, charge points
from ocpp_harness import (  # the names used below, explicitly
    call16, call201, dt16, dt201, ocpp, result16, result201,
)


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
