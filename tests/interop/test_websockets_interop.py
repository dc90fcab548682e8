"""Interop tests: an independent client (the Python `websockets` package, the
`ocpp` package, urllib and hand-built frames on raw sockets) against the real
`vigil` binary.

Every test is plain synchronous pytest that drives asyncio with `asyncio.run`
and bounds everything with timeouts, so a misbehaving server fails a test
instead of hanging the run.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
import os
import signal
import socket
import struct
import time
import urllib.error
import urllib.request

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, ConnectionClosedOK, InvalidStatus
from websockets.protocol import State

import ocpp.exceptions
import ocpp.messages
import ocpp.v16
import ocpp.v16.call
import ocpp.v201
import ocpp.v201.call

MiB = 1024 * 1024
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
STEP = 10.0  # timeout for a single network step
TEST_TIMEOUT = 60.0  # hard cap on one asyncio.run()


def run(coro, timeout: float = TEST_TIMEOUT):
    """Run a coroutine to completion, failing (not hanging) after `timeout` s."""

    async def bounded():
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(bounded())


def echo_url(server, path: str = "/") -> str:
    return f"ws://127.0.0.1:{server.port('echo')}{path}"


def ocpp_url(server, cp_id: str = "CP-1") -> str:
    return f"ws://127.0.0.1:{server.port('ocpp')}/ocpp/{cp_id}"


def http_url(server, path: str) -> str:
    return f"http://127.0.0.1:{server.port('http')}{path}"


def ws_connect(url: str, **kwargs):
    kwargs.setdefault("open_timeout", STEP)
    kwargs.setdefault("close_timeout", STEP)
    kwargs.setdefault("ping_interval", None)  # no background pings muddying the tests
    return connect(url, **kwargs)


# ---------------------------------------------------------------------------
# Raw socket helpers (independent of any WebSocket library)
# ---------------------------------------------------------------------------


class RawConn:
    def __init__(self, port: int, timeout: float = STEP):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.settimeout(timeout)
        self.buf = b""

    def close(self) -> None:
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)  # raises socket.timeout rather than hanging
        if not chunk:
            return False
        self.buf += chunk
        return True

    def read_until(self, marker: bytes, limit: int = 1 << 20) -> bytes:
        while marker not in self.buf:
            if len(self.buf) > limit:
                raise AssertionError(f"no {marker!r} within {limit} bytes")
            if not self._fill():
                raise AssertionError(f"EOF before {marker!r}; got {self.buf!r}")
        head, _, self.buf = self.buf.partition(marker)
        return head + marker

    def read_exact(self, n: int) -> bytes:
        while len(self.buf) < n:
            if not self._fill():
                raise AssertionError(f"EOF after {len(self.buf)} of {n} bytes; got {self.buf!r}")
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_frame(self):
        """Read one WebSocket frame: (first_byte, opcode, fin, masked, payload)."""
        b0, b1 = self.read_exact(2)
        length = b1 & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", self.read_exact(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", self.read_exact(8))
        masked = bool(b1 & 0x80)
        key = self.read_exact(4) if masked else b""
        payload = self.read_exact(length)
        if masked:
            payload = bytes(c ^ key[i % 4] for i, c in enumerate(payload))
        return b0, b0 & 0x0F, bool(b0 & 0x80), masked, payload

    def expect_eof(self, timeout: float = STEP) -> None:
        """Assert the peer closes the TCP connection (without more data)."""
        deadline = time.monotonic() + timeout
        while True:
            self.sock.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                return
            except socket.timeout:
                raise AssertionError(f"server did not close the TCP connection within {timeout}s")
            if not chunk:
                return
            raise AssertionError(f"unexpected bytes after close frame: {chunk!r}")


def client_frame(opcode: int, payload: bytes, fin: bool = True, mask: bool = True) -> bytes:
    b0 = (0x80 if fin else 0) | opcode
    n = len(payload)
    if n < 126:
        head = bytes([b0, (0x80 if mask else 0) | n])
    elif n < 1 << 16:
        head = bytes([b0, (0x80 if mask else 0) | 126]) + struct.pack("!H", n)
    else:
        head = bytes([b0, (0x80 if mask else 0) | 127]) + struct.pack("!Q", n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(c ^ key[i % 4] for i, c in enumerate(payload))


def parse_http_head(head: bytes):
    lines = head.decode("iso-8859-1").split("\r\n")
    version, status, *reason = lines[0].split(" ", 2)
    assert version == "HTTP/1.1", lines[0]
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status), (reason[0] if reason else ""), headers


def raw_http(port: int, request: bytes):
    """Send raw bytes, return (status, headers, body) of the response."""
    with RawConn(port) as conn:
        conn.send(request)
        status, _, headers = parse_http_head(conn.read_until(b"\r\n\r\n"))
        body = conn.read_exact(int(headers.get("content-length", "0")))
        return status, headers, body


def ws_handshake(port: int, path: str, protocols: list[str] | None = None) -> RawConn:
    """Open a WebSocket by hand and verify the 101 response strictly."""
    key = base64.b64encode(os.urandom(16)).decode()
    req = (
        f"GET {path} HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n"
    )
    if protocols:
        req += f"Sec-WebSocket-Protocol: {', '.join(protocols)}\r\n"
    req += "\r\n"
    conn = RawConn(port)
    conn.send(req.encode())
    status, _, headers = parse_http_head(conn.read_until(b"\r\n\r\n"))
    assert status == 101, (status, headers)
    assert headers.get("upgrade", "").lower() == "websocket"
    assert "upgrade" in headers.get("connection", "").lower()
    expected = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
    assert headers.get("sec-websocket-accept") == expected
    if protocols:
        assert headers.get("sec-websocket-protocol") == protocols[0]
    return conn


def expect_close_frame(conn: RawConn, code: int, reply: bool) -> None:
    """The very next frame must be an unmasked, final close frame with `code`,
    after which the server drops the TCP connection.

    With reply=True the test answers with its own close frame, as a real
    client would; with reply=False it stays silent, so the server has to drop
    the connection on its own (vigil currently waits ~5 s for the client's
    close frame before doing so, which is inside the STEP bound).
    """
    first, opcode, fin, masked, payload = conn.read_frame()
    assert first == 0x88, f"expected a close frame (0x88), got 0x{first:02x} payload={payload!r}"
    assert opcode == 0x8 and fin
    assert not masked, "server frames must not be masked"
    assert len(payload) >= 2, f"close frame without a status code: {payload!r}"
    (got,) = struct.unpack("!H", payload[:2])
    assert got == code, f"close code {got}, expected {code} (reason {payload[2:]!r})"
    payload[2:].decode("utf-8")  # the reason must itself be valid UTF-8
    if reply:
        conn.send(client_frame(0x8, struct.pack("!H", code)))
    conn.expect_eof()


# ---------------------------------------------------------------------------
# echo: plain HTTP
# ---------------------------------------------------------------------------


def test_echo_health(echo_server):
    with urllib.request.urlopen(f"http://127.0.0.1:{echo_server.port('echo')}/health", timeout=STEP) as r:
        assert r.status == 200
        assert r.read().strip() == b"ok"


# ---------------------------------------------------------------------------
# echo: round trips with the websockets client
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/echo"])
def test_text_and_binary_echo(echo_server, path):
    async def scenario():
        async with ws_connect(echo_url(echo_server, path)) as ws:
            for msg in ["hello", "", "x" * 125, "y" * 126, "z" * 65535, "w" * 65536]:
                await ws.send(msg)
                got = await asyncio.wait_for(ws.recv(), STEP)
                assert isinstance(got, str)
                assert got == msg
            for msg in [b"\x00\x01\x02\xff", b"", bytes(range(256)) * 300]:
                await ws.send(msg)
                got = await asyncio.wait_for(ws.recv(), STEP)
                assert isinstance(got, bytes), "binary frame must come back as binary"
                assert got == msg

    run(scenario())


def test_unicode_text_echo(echo_server):
    samples = [
        "héllo wörld",
        "日本語のテキスト",
        "EV ⚡🚗🔌 charging",  # astral-plane code points (4-byte UTF-8)
        "\u0000nul and \U0010ffff max code point",
        "κόσμε" * 1000,
    ]

    async def scenario():
        async with ws_connect(echo_url(echo_server)) as ws:
            for msg in samples:
                await ws.send(msg)
                got = await asyncio.wait_for(ws.recv(), STEP)
                assert got == msg

    run(scenario())


def test_one_mebibyte_messages(echo_server):
    binary = os.urandom(MiB)
    text_ascii = ("0123456789abcdef" * (MiB // 16))
    text_unicode = "é" * (MiB // 2)  # 1 MiB of UTF-8, every char two bytes
    assert len(text_ascii.encode()) == MiB and len(text_unicode.encode()) == MiB

    async def scenario():
        async with ws_connect(echo_url(echo_server), max_size=4 * MiB) as ws:
            await ws.send(binary)
            got = await asyncio.wait_for(ws.recv(), 30)
            assert isinstance(got, bytes) and got == binary
            for text in (text_ascii, text_unicode):
                await ws.send(text)
                got = await asyncio.wait_for(ws.recv(), 30)
                assert isinstance(got, str) and got == text

    run(scenario())


def test_fragmented_message_is_reassembled(echo_server):
    async def scenario():
        async with ws_connect(echo_url(echo_server)) as ws:
            # An iterable makes websockets send one message as several frames.
            await ws.send(["frag", "mented ", "tëxt ⚡"])
            assert await asyncio.wait_for(ws.recv(), STEP) == "fragmented tëxt ⚡"
            await ws.send([b"\x01\x02", b"", b"\x03"])
            assert await asyncio.wait_for(ws.recv(), STEP) == b"\x01\x02\x03"

    run(scenario())


def test_100_concurrent_clients(echo_server):
    clients, messages = 100, 20

    async def client(i: int):
        async with ws_connect(echo_url(echo_server), open_timeout=30) as ws:
            for j in range(messages):
                msg = f"client {i} message {j} " + "p" * (i * 7 + j)
                payload = msg if j % 2 == 0 else msg.encode()
                await ws.send(payload)
                got = await asyncio.wait_for(ws.recv(), 30)
                assert got == payload, (i, j)
        return i

    async def scenario():
        done = await asyncio.gather(*(client(i) for i in range(clients)))
        assert sorted(done) == list(range(clients))

    run(scenario(), timeout=120)


def test_ping_pong(echo_server):
    async def scenario():
        async with ws_connect(echo_url(echo_server)) as ws:
            # websockets resolves the waiter only for a pong carrying the same
            # application data as the ping, so this checks the payload too.
            for data in (b"", b"vigil-ping", bytes(range(125))):
                waiter = await ws.ping(data)
                latency = await asyncio.wait_for(waiter, STEP)
                assert latency >= 0
            # The connection still works for data after control frames.
            await ws.send("after ping")
            assert await asyncio.wait_for(ws.recv(), STEP) == "after ping"

    run(scenario())


@pytest.mark.parametrize("code,reason", [(1000, "normal bye"), (4000, "custom reason ⚡")])
def test_client_initiated_close(echo_server, code, reason):
    async def scenario():
        ws = await ws_connect(echo_url(echo_server))
        await ws.send("before close")
        assert await asyncio.wait_for(ws.recv(), STEP) == "before close"
        await asyncio.wait_for(ws.close(code, reason), STEP)
        await asyncio.wait_for(ws.wait_closed(), STEP)
        proto = ws.protocol
        assert ws.state is State.CLOSED
        assert proto.close_sent is not None
        assert (proto.close_sent.code, proto.close_sent.reason) == (code, reason)
        # Clean close: the server answered our close frame with its own,
        # echoing the status code (RFC 6455 5.5.1), before dropping TCP.
        assert proto.close_rcvd is not None, "server dropped TCP without a close frame"
        assert proto.close_rcvd_then_sent is False
        assert proto.close_rcvd.code == code
        if code == 1000:
            with pytest.raises(ConnectionClosedOK):
                await ws.recv()

    run(scenario())


# ---------------------------------------------------------------------------
# echo: raw protocol violations
# ---------------------------------------------------------------------------


def test_unmasked_client_frame_gets_1002(echo_server):
    with ws_handshake(echo_server.port("echo"), "/") as conn:
        conn.send(b"\x81\x05hello")  # FIN+text, length 5, MASK bit clear
        expect_close_frame(conn, 1002, reply=False)


@pytest.mark.parametrize(
    "payload",
    [
        b"\xff\xfe",  # bytes that never occur in UTF-8
        b"hello \xc3\x28",  # bad continuation byte
        b"\xed\xa0\x80",  # UTF-16 surrogate encoded in UTF-8
        b"\xc0\xaf",  # overlong encoding of '/'
    ],
    ids=["ff-fe", "bad-continuation", "surrogate", "overlong"],
)
def test_invalid_utf8_text_gets_1007(echo_server, payload):
    with ws_handshake(echo_server.port("echo"), "/") as conn:
        conn.send(client_frame(0x1, payload))
        expect_close_frame(conn, 1007, reply=True)


def test_message_limit_64_mib(echo_server):
    """Exactly 64 MiB is echoed; one byte more closes with 1009, whether it
    arrives as one frame or spread over fragments."""
    limit = 64 * MiB

    async def too_big(fragments):
        # The close frame is read from the protocol state rather than from the
        # exception: when the server closes while the client's write buffer is
        # still draining, CPython's selector transport (3.11-3.13) finishes the
        # close from _write_ready without marking it, and the transport.abort()
        # that websockets then issues fails with "'NoneType' object has no
        # attribute 'call_soon'". That is the client library's bug, not a
        # server outcome, so it is tolerated here and nowhere else.
        ws = await ws_connect(echo_url(echo_server), max_size=None)
        try:
            await ws.send(fragments)
            await asyncio.wait_for(ws.recv(), 30)
            pytest.fail("the server echoed a message over the limit")
        except ConnectionClosed:
            pass
        except AttributeError as error:
            if "call_soon" not in str(error):
                raise
        rcvd = ws.protocol.close_rcvd
        assert rcvd is not None, "no close frame from the server"
        assert rcvd.code == 1009

    async def scenario():
        async with ws_connect(echo_url(echo_server), max_size=None) as ws:
            data = b"\xab" * limit
            await ws.send(data)
            got = await asyncio.wait_for(ws.recv(), 30)
            assert len(got) == limit and got == data
            del data, got
            await ws.send([b"\xcd" * (limit // 2), b"\xcd" * (limit // 2)])
            got = await asyncio.wait_for(ws.recv(), 30)
            assert len(got) == limit
        await too_big(b"\xab" * (limit + 1))
        await too_big([b"\xab" * (limit // 2), b"\xab" * (limit // 2 + 1)])
        await too_big([b"\xab" * MiB] * 64 + [b"\xab"])

    run(scenario(), timeout=120)


def test_valid_masked_raw_frame_is_echoed_unmasked(echo_server):
    with ws_handshake(echo_server.port("echo"), "/echo") as conn:
        conn.send(client_frame(0x1, "héllo".encode()))
        first, opcode, fin, masked, payload = conn.read_frame()
        assert (first, masked, payload) == (0x81, False, "héllo".encode())
        conn.send(client_frame(0x2, b"\x00\xff"))
        assert conn.read_frame() == (0x82, 0x2, True, False, b"\x00\xff")
        conn.send(client_frame(0x8, struct.pack("!H", 1000) + b"done"))
        first, opcode, fin, masked, payload = conn.read_frame()
        assert first == 0x88 and not masked
        assert struct.unpack("!H", payload[:2])[0] == 1000
        conn.expect_eof()


# ---------------------------------------------------------------------------
# HTTP parsing limits, on every listener
# ---------------------------------------------------------------------------


LISTENERS = [("echo", "echo", "/health"), ("serve", "ocpp", "/ocpp/CP-1"), ("serve", "http", "/api/v1/health")]


def _listener_port(request, kind: str, name: str) -> int:
    server = request.getfixturevalue("echo_server" if kind == "echo" else "serve_server")
    return server.port(name)


@pytest.mark.parametrize("kind,name,path", LISTENERS, ids=[x[1] for x in LISTENERS])
def test_oversize_header_gets_431(request, kind, name, path):
    port = _listener_port(request, kind, name)
    req = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n".encode()
        + b"X-Padding: "
        + b"a" * (20 * 1024)
        + b"\r\n\r\n"
    )
    status, _, _ = raw_http(port, req)
    assert status == 431


@pytest.mark.parametrize("kind,name,path", LISTENERS, ids=[x[1] for x in LISTENERS])
@pytest.mark.parametrize(
    "line", [b"this is not http", b"GET /", b"GET / HTTP/1.1 extra", b"GET / FTP/1.0"],
    ids=["garbage", "no-version", "extra-token", "bad-version"],
)
def test_malformed_request_line_gets_400(request, kind, name, path, line):
    port = _listener_port(request, kind, name)
    status, _, _ = raw_http(port, line + b"\r\nHost: x\r\n\r\n")
    assert status == 400


# ---------------------------------------------------------------------------
# Graceful shutdown
# ---------------------------------------------------------------------------


def test_echo_sigterm_closes_websockets_with_1001(vigil_factory):
    proc = vigil_factory("echo")

    async def scenario():
        async with ws_connect(echo_url(proc)) as ws:
            await ws.send("still here?")
            assert await asyncio.wait_for(ws.recv(), STEP) == "still here?"
            proc.signal(signal.SIGTERM)
            with pytest.raises(ConnectionClosed) as info:
                while True:
                    await asyncio.wait_for(ws.recv(), STEP)
            exc = info.value
            assert exc.rcvd is not None, "server went away without a close frame"
            assert exc.rcvd.code == 1001
            assert isinstance(exc, ConnectionClosedOK)  # 1001 both ways, clean

    run(scenario())
    assert proc.wait(timeout=STEP) == 0


def test_serve_sigterm_closes_websockets_with_1001(vigil_factory):
    proc = vigil_factory("serve")

    async def scenario():
        async with ws_connect(ocpp_url(proc, "CP-SHUTDOWN"), subprotocols=["ocpp1.6"]) as ws:
            await ws.send(json.dumps([2, "1", "Heartbeat", {}]))
            reply = json.loads(await asyncio.wait_for(ws.recv(), STEP))
            assert reply[:2] == [3, "1"] and "currentTime" in reply[2]
            proc.signal(signal.SIGTERM)
            with pytest.raises(ConnectionClosed) as info:
                while True:
                    await asyncio.wait_for(ws.recv(), STEP)
            assert info.value.rcvd is not None, "server went away without a close frame"
            assert info.value.rcvd.code == 1001
            assert isinstance(info.value, ConnectionClosedOK)

    run(scenario())
    assert proc.wait(timeout=STEP) == 0


# ---------------------------------------------------------------------------
# vigil serve: OCPP endpoint
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "offered,chosen",
    [
        (["ocpp1.6"], "ocpp1.6"),
        (["ocpp2.0.1"], "ocpp2.0.1"),
        (["ocpp2.0.1", "ocpp1.6"], "ocpp2.0.1"),
        (["ocpp1.6", "ocpp2.0.1"], "ocpp1.6"),
        (["chat", "ocpp1.6"], "ocpp1.6"),
    ],
)
def test_ocpp_subprotocol_negotiation(serve_server, offered, chosen):
    async def scenario():
        async with ws_connect(ocpp_url(serve_server), subprotocols=offered) as ws:
            assert ws.subprotocol == chosen
            assert ws.response.headers["Sec-WebSocket-Protocol"] == chosen

    run(scenario())


@pytest.mark.parametrize("offered", [["chat"], None], ids=["chat", "none"])
def test_ocpp_refuses_without_ocpp_subprotocol(serve_server, offered):
    async def scenario():
        with pytest.raises(InvalidStatus) as info:
            async with ws_connect(ocpp_url(serve_server), subprotocols=offered):
                pass
        response = info.value.response
        assert response.status_code == 400
        body = response.body.decode("utf-8")
        assert "ocpp1.6" in body and "ocpp2.0.1" in body, body

    run(scenario())


def test_ocpp_calls_are_answered_by_the_cpms(serve_server):
    async def scenario():
        async with ws_connect(ocpp_url(serve_server), subprotocols=["ocpp1.6"]) as ws:
            boot = ocpp.messages.Call(
                unique_id="42",
                action="BootNotification",
                payload={"chargePointVendor": "Vigil", "chargePointModel": "Interop"},
            )
            await ws.send(boot.to_json())
            raw = await asyncio.wait_for(ws.recv(), STEP)
            assert isinstance(raw, str), "OCPP-J replies must be text frames"
            reply = json.loads(raw)
            assert reply[:2] == [3, "42"]
            assert reply[2]["status"] == "Accepted" and reply[2]["interval"] == 300
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", reply[2]["currentTime"])

            # An unknown token, a DataTransfer, a known action the CPMS does not handle, and one OCPP 1.6 does not define.
            await ws.send('[2,"abc-122","Authorize",{"idTag":"ABC"}]')
            raw = await asyncio.wait_for(ws.recv(), STEP)
            assert json.loads(raw) == [3, "abc-122", {"idTagInfo": {"status": "Invalid"}}]   # unknown token
            # DataTransfer: Vigil has no vendor extensions, so every vendor is unknown (not an error).
            await ws.send('[2,"abc-121","DataTransfer",{"vendorId":"X"}]')
            raw = await asyncio.wait_for(ws.recv(), STEP)
            assert json.loads(raw) == [3, "abc-121", {"status": "UnknownVendorId"}]
            # A central-system action sent by a charger is a known action Vigil does not handle.
            await ws.send('[2,"abc-123","Reset",{"type":"Soft"}]')
            raw = await asyncio.wait_for(ws.recv(), STEP)
            assert json.loads(raw) == [4, "abc-123", "NotSupported", "Reset is not supported by this central system", {}]
            await ws.send('[2,"abc-124","Teleport",{}]')
            raw = await asyncio.wait_for(ws.recv(), STEP)
            assert json.loads(raw) == [4, "abc-124", "NotImplemented", "action Teleport is not implemented", {}]

    run(scenario())


def test_ocpp_library_charge_points_boot_and_report_status(serve_server):
    """The `ocpp` package's own ChargePoint (1.6 and 2.0.1) against vigil serve."""

    async def one(version: str, cp_cls, boot, status):
        async with ws_connect(ocpp_url(serve_server, f"CP-{version}"), subprotocols=[version]) as ws:
            assert ws.subprotocol == version
            cp = cp_cls(f"CP-{version}", ws, response_timeout=STEP)
            reader = asyncio.create_task(cp.start())
            try:
                result = await cp.call(boot, suppress=False)
                assert result.status == "Accepted" and result.interval == 300
                await cp.call(status, suppress=False)
            finally:
                reader.cancel()
                try:
                    await reader
                except (asyncio.CancelledError, ConnectionClosed):
                    pass

    async def scenario():
        await one(
            "ocpp1.6",
            ocpp.v16.ChargePoint,
            ocpp.v16.call.BootNotification(charge_point_model="Interop", charge_point_vendor="Vigil"),
            ocpp.v16.call.StatusNotification(connector_id=1, error_code="NoError", status="Available"),
        )
        await one(
            "ocpp2.0.1",
            ocpp.v201.ChargePoint,
            ocpp.v201.call.BootNotification(
                charging_station={"model": "Interop", "vendor_name": "Vigil"}, reason="PowerUp"
            ),
            ocpp.v201.call.StatusNotification(
                timestamp="2026-11-26T01:00:00Z", connector_status="Available", evse_id=1, connector_id=1
            ),
        )

    run(scenario())


def test_ocpp_plain_get_gets_426(serve_server):
    url = f"http://127.0.0.1:{serve_server.port('ocpp')}/ocpp/CP-1"
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(url, timeout=STEP)
    err = info.value
    assert err.code == 426
    # RFC 9110 15.5.22: a 426 response MUST carry an Upgrade header.
    assert err.headers.get("Upgrade", "").lower() == "websocket"
    assert err.read()


def test_ocpp_unmasked_client_frame_gets_1002(serve_server):
    with ws_handshake(serve_server.port("ocpp"), "/ocpp/CP-RAW", ["ocpp1.6"]) as conn:
        conn.send(b"\x81\x05hello")
        expect_close_frame(conn, 1002, reply=True)


# ---------------------------------------------------------------------------
# vigil serve: HTTP API listener
# ---------------------------------------------------------------------------


def test_http_health(serve_server):
    with urllib.request.urlopen(http_url(serve_server, "/api/v1/health"), timeout=STEP) as r:
        assert r.status == 200
        assert r.headers.get_content_type() == "application/json"
        health = json.loads(r.read())
        assert health["status"] == "ok"
        assert [c["name"] for c in health["eventConsumers"]] == ["rules", "remediation"]
        assert all(c["dropped"] == 0 and c["capacity"] > 0 for c in health["eventConsumers"]), health


def test_http_stations_reflect_what_chargers_reported(serve_server):
    async def scenario():
        async with ws_connect(ocpp_url(serve_server, "CP-API"), subprotocols=["ocpp1.6"]) as ws:
            await ws.send(json.dumps([2, "b", "BootNotification", {"chargePointVendor": "ABB", "chargePointModel": "CDT_TACW22"}]))
            assert json.loads(await asyncio.wait_for(ws.recv(), STEP))[0] == 3
            await ws.send(json.dumps([2, "s", "StatusNotification",
                                      {"connectorId": 1, "errorCode": "GroundFailure", "status": "Faulted", "vendorErrorCode": "0x0002"}]))
            assert json.loads(await asyncio.wait_for(ws.recv(), STEP)) == [3, "s", {}]

    run(scenario())
    with urllib.request.urlopen(http_url(serve_server, "/api/v1/stations"), timeout=STEP) as r:
        stations = json.loads(r.read())
    assert "CP-API" in [s["id"] for s in stations]
    with urllib.request.urlopen(http_url(serve_server, "/api/v1/stations/CP-API"), timeout=STEP) as r:
        station = json.loads(r.read())
    assert station["vendor"] == "ABB" and station["model"] == "CDT_TACW22" and station["ocppVersion"] == "ocpp1.6"
    assert station["connectors"][0]["status"] == "Faulted"
    assert station["connectors"][0]["errorCode"] == "GroundFailure"
    assert station["connectors"][0]["vendorErrorCode"] == "0x0002"
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(http_url(serve_server, "/api/v1/stations/NOPE"), timeout=STEP)
    assert info.value.code == 404
    assert json.loads(info.value.read()) == {"error": "no station NOPE"}


def test_http_unknown_path_is_404(serve_server):
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(http_url(serve_server, "/api/v1/no-such-thing"), timeout=STEP)
    assert info.value.code == 404


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_http_wrong_method_is_405_with_allow(serve_server, method):
    req = urllib.request.Request(
        http_url(serve_server, "/api/v1/health"), method=method, data=b"" if method != "DELETE" else None
    )
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=STEP)
    assert info.value.code == 405
    allow = {m.strip().upper() for m in info.value.headers.get("Allow", "").split(",") if m.strip()}
    assert "GET" in allow
    assert method not in allow


def test_serve_reads_a_config_file_and_flags_override_it(tmp_path):
    """`vigil serve --config`: settings and pre-declared stations from YAML; a flag wins."""
    import subprocess

    from conftest import VigilProcess, vigil_binary

    config = tmp_path / "vigil.yaml"
    config.write_text(
        "ocpp: 127.0.0.1:0\n"
        "http: 127.0.0.1:0\n"
        f"db: {tmp_path / 'vigil.sqlite'}\n"
        "unknownStations: reject\n"
        "heartbeatInterval: 120\n"
        "stations:\n"
        "  - id: CP-DECLARED\n"
    )
    proc = VigilProcess(["serve", "--config", str(config), "--heartbeat-interval", "90"], ["ocpp", "http"]).start()
    try:
        async def boot(station):
            async with ws_connect(ocpp_url(proc, station), subprotocols=["ocpp1.6"]) as ws:
                await ws.send(json.dumps([2, "b", "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}]))
                return json.loads(await asyncio.wait_for(ws.recv(), STEP))[2]

        declared = run(boot("CP-DECLARED"))
        assert declared["status"] == "Accepted" and declared["interval"] == 90   # the flag overrides the file's 120
        assert run(boot("CP-UNKNOWN"))["status"] == "Rejected"                   # unknownStations: reject from the file
    finally:
        proc.stop()

    bad = tmp_path / "bad.yaml"
    bad.write_text("ocpp: 127.0.0.1:0\nheartbeatIntervall: 10\n")
    result = subprocess.run([str(vigil_binary()), "serve", "--config", str(bad)], capture_output=True, text=True, timeout=STEP)
    assert result.returncode == 2
    assert f'{bad}:2:1: config: unknown key "heartbeatIntervall" (did you mean "heartbeatInterval"?)' in result.stderr
