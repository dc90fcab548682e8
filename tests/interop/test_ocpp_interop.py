"""OCPP interop, charger -> central system: the independent Python `ocpp` package
(mobilityhouse) plays OCPP 1.6 and 2.0.1 charge points against `vigil ocpp-harness`, a minimal
schema-validating central system, sending every charger-initiated action with realistic
payloads and checking the typed responses. (Harness -> charger calls are in
test_ocpp_calls_interop.py, schema-invalid frames in test_ocpp_negative_interop.py.)

Every test is plain synchronous pytest that drives asyncio with `asyncio.run`; every await is
bounded by a timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest

from ocpp_harness import *  # noqa: F401,F403 — fixtures, helpers, charge points
from ocpp_harness import (  # the names used below, explicitly
    call16, call201, dt16, dt201, ocpp, result16, result201,
)


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
