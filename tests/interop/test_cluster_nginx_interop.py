"""The example deployment of docs/deployment.md ("Example: three nodes behind nginx"), on
loopback: Debian's nginx in front of two `vigil serve` nodes on one PostgreSQL database, with the
documented upstream (`hash $request_uri consistent`, `proxy_next_upstream error timeout`) and
WebSocket proxying, TLS left out. Chargers spread over both nodes, a station reconnecting lands
on the same node, and when its node is killed the station's next connection is taken by the other.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import time

import pytest
import ocpp.v16.call as call16

from conftest import VigilProcess
from test_cluster_interop import Charger, database, node, pytestmark  # noqa: F401  (fixture, helpers, skip marker)

STEP = 10.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Nginx:
    """nginx with the documented OCPP upstream and location, in a scratch prefix."""

    def __init__(self, prefix, upstreams: list[int]):
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not os.path.exists(binary):
            if os.environ.get("VIGIL_REQUIRE_POSTGRES") == "1":   # CI: scripts/bootstrap --tests installs it
                raise AssertionError("nginx is not installed (scripts/bootstrap --tests installs it)")
            pytest.skip("nginx is not installed (scripts/bootstrap --tests installs it)")
        self.port = free_port()
        servers = "\n".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;" for port in upstreams)
        user = "user root;" if os.geteuid() == 0 else ""
        (prefix / "logs").mkdir(exist_ok=True)
        config = prefix / "nginx.conf"
        config.write_text(f"""
{user}
daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    map $http_upgrade $connection_upgrade {{ default upgrade; "" close; }}
    upstream vigil_ocpp {{
        hash $request_uri consistent;
{servers}
    }}
    server {{
        listen 127.0.0.1:{self.port};
        location /ocpp/ {{
            proxy_pass http://vigil_ocpp;
            proxy_next_upstream error timeout;
            proxy_connect_timeout 3s;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_read_timeout 3600s;
            proxy_send_timeout 3600s;
            proxy_buffering off;
        }}
    }}
}}
""")
        self.proc = subprocess.Popen([binary, "-p", str(prefix), "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + STEP
        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    break
            assert self.proc.poll() is None, self.proc.stderr.read().decode()
            assert time.monotonic() < deadline, "nginx did not start"
            time.sleep(0.05)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(STEP)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class Front:
    """What `Charger` needs of a process: the OCPP port (nginx's)."""

    def __init__(self, port: int):
        self._port = port

    def port(self, name: str) -> int:
        return self._port


def holders(db: str) -> dict[str, str]:
    run = subprocess.run(["psql", db, "-At", "-F", " ", "-c", "SELECT station, node FROM station_leases WHERE node <> ''"],
                         capture_output=True, text=True, timeout=STEP)
    assert run.returncode == 0, run.stderr
    return dict(line.split(" ", 1) for line in run.stdout.splitlines() if line.strip())


def test_nginx_spreads_stations_keeps_each_on_its_node_and_fails_over(database, tmp_path):
    key = tmp_path / "audit.key"
    a = node(database, "node-a", key)
    b = node(database, "node-b", key)
    proxy = Nginx(tmp_path, [a.port("ocpp"), b.port("ocpp")])
    front = Front(proxy.port)
    stations = [f"CP-{n:02d}" for n in range(1, 21)]
    try:
        async def connect_all() -> dict[str, str]:
            placed = {}
            for ident in stations:
                async with Charger(front, ident) as charger:
                    await charger.boot()
                    placed[ident] = holders(database)[ident]
            return placed

        first = asyncio.run(connect_all())
        assert set(first.values()) == {"node-a", "node-b"}, first   # spread over both nodes

        async def again(ident):
            async with Charger(front, ident) as charger:
                await charger.boot()
                return holders(database)[ident]

        # The same path, the same node.
        for ident in stations[:5]:
            assert asyncio.run(again(ident)) == first[ident]

        # The node of CP-01 dies: its next connection goes to the other node.
        victim = a if first["CP-01"] == "node-a" else b
        survivor = "node-b" if victim is a else "node-a"
        victim.signal(signal.SIGKILL)
        victim.wait(STEP)
        assert asyncio.run(again("CP-01")) == survivor
    finally:
        proxy.stop()
        a.close()
        b.close()
