#!/usr/bin/env python3
"""The reference point for `make bench-compare`: a central system written the way the Python
`ocpp` package's own example is (mobilityhouse/ocpp, examples/v16/central_system.py) — one
ChargePoint per connection, schema validation by the library, answers for BootNotification,
Heartbeat, StatusNotification and MeterValues — and nothing stored."""
import argparse
import asyncio
from datetime import datetime, timezone

import websockets
from ocpp.routing import on
from ocpp.v16 import ChargePoint as BaseChargePoint
from ocpp.v16 import call_result


def now() -> str:
    return datetime.now(timezone.utc).isoformat()


class ChargePoint(BaseChargePoint):
    @on("BootNotification")
    def on_boot_notification(self, charge_point_vendor, charge_point_model, **kwargs):
        return call_result.BootNotification(current_time=now(), interval=300, status="Accepted")

    @on("Heartbeat")
    def on_heartbeat(self):
        return call_result.Heartbeat(current_time=now())

    @on("StatusNotification")
    def on_status_notification(self, connector_id, error_code, status, **kwargs):
        return call_result.StatusNotification()

    @on("MeterValues")
    def on_meter_values(self, connector_id, meter_value, **kwargs):
        return call_result.MeterValues()


async def on_connect(connection):
    charge_point = ChargePoint(connection.request.path.strip("/"), connection)
    try:
        await charge_point.start()
    except websockets.exceptions.ConnectionClosed:
        pass


async def main(port: int):
    async with websockets.serve(on_connect, "127.0.0.1", port, subprotocols=["ocpp1.6"], ping_interval=None,
                                max_queue=None) as server:
        bound = server.sockets[0].getsockname()
        print(f"ocpp listening on {bound[0]}:{bound[1]}", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    asyncio.run(main(parser.parse_args().port))
