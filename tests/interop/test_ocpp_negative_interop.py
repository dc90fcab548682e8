"""OCPP interop, negative cases: raw WebSocket clients send schema-invalid CALLs, invalid JSON
and malformed frames, and check the exact CALLERROR frames; the Python `ocpp` package maps them
to its exception classes; many charge points at once."""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest

from ocpp_harness import *  # noqa: F401,F403 — fixtures, helpers, charge points
from ocpp_harness import (  # the names used below, explicitly
    call16, call201, dt16, dt201, ocpp, result16, result201,
)


# 3. Negative: schema-invalid CALLs from raw clients, exact CALLERROR frames
# ---------------------------------------------------------------------------


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
        # OCPP says so in prose, not in the schema: no connector numbers below 0 (1.6
        # StartTransaction: below 1). Such a report must not create a connector.
        "negative-connector",
        json.dumps([2, "n1", "StatusNotification", {"connectorId": -1, "errorCode": "NoError", "status": "Available"}]),
        ["PropertyConstraintViolation", "connectorId: -1 is below the minimum 0", {"path": "connectorId"}],
    ),
    (
        "connector-zero-start",
        json.dumps([2, "n2", "StartTransaction", {"connectorId": 0, "idTag": "X", "meterStart": 0, "timestamp": TS}]),
        ["PropertyConstraintViolation", "connectorId: 0 is below the minimum 1", {"path": "connectorId"}],
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
        "negative-evse",
        json.dumps([2, "n3", "StatusNotification", {"timestamp": TS, "connectorStatus": "Available", "evseId": -2, "connectorId": 1}]),
        ["PropertyConstraintViolation", "evseId: -2 is below the minimum 0", {"path": "evseId"}],
    ),
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
