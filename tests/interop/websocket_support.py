"""Shared pieces of the WebSocket interop tests: URLs, a bounded `run`, and raw-socket helpers
that build frames by hand (independent of any WebSocket library). Test modules import
everything from here."""

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
