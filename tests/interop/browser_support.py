"""Headless Chromium driven through the DevTools protocol (CDP) over the pinned `websockets`
package, for the dashboard's browser tests. No Selenium, no Playwright: Chromium prints its
DevTools URL on stderr; each page gets its own WebSocket; every wait has a timeout.

`chromium_binary()` is None when Chromium is not installed (the tests then skip, naming the
bootstrap command that installs it)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

from websockets.asyncio.client import connect

STEP = 10.0  # one protocol call
WAIT = 20.0  # one condition on the page
DEVTOOLS_RE = re.compile(r"DevTools listening on (ws://\S+)")


def chromium_binary() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class CDPError(RuntimeError):
    pass


class Connection:
    """One DevTools WebSocket: calls by id, events kept in order."""

    def __init__(self, ws):
        self.ws = ws
        self.ids = itertools.count(1)
        self.pending: dict[int, asyncio.Future] = {}
        self.events: list[tuple[str, dict]] = []
        # method -> async handler(params), run as its own task for each such event.
        self.handlers: dict = {}
        self.tasks: set[asyncio.Task] = set()
        self.reader = asyncio.create_task(self._read())

    async def _read(self):
        async for raw in self.ws:
            message = json.loads(raw)
            if "id" in message:
                future = self.pending.pop(message["id"], None)
                if future and not future.done():
                    future.set_result(message)
            else:
                method, params = message.get("method", ""), message.get("params", {})
                self.events.append((method, params))
                if method in self.handlers:
                    task = asyncio.create_task(self.handlers[method](params))
                    self.tasks.add(task)
                    task.add_done_callback(self.tasks.discard)
        for future in self.pending.values():
            if not future.done():
                future.set_exception(CDPError("DevTools connection closed"))

    async def call(self, method: str, params: dict | None = None, timeout: float = STEP) -> dict:
        number = next(self.ids)
        future = asyncio.get_running_loop().create_future()
        self.pending[number] = future
        await self.ws.send(json.dumps({"id": number, "method": method, "params": params or {}}))
        message = await asyncio.wait_for(future, timeout)
        if "error" in message:
            raise CDPError(f"{method}: {message['error']}")
        return message.get("result", {})

    async def close(self):
        for task in list(self.tasks):
            task.cancel()
        self.reader.cancel()
        await self.ws.close()


class Page(Connection):
    """A tab: navigate, evaluate, wait for a condition, screenshot, and what the console said."""

    async def setup(self, width: int, height: int):
        for domain in ("Page", "Runtime", "Log", "Network"):
            await self.call(f"{domain}.enable")
        await self.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})

    async def answer(self, routes: dict[str, object]):
        """Answers requests for these paths (query ignored) with the JSON given, in the browser,
        before they reach the server: `routes` maps a path, or a prefix ending in `/`, to a
        body. Everything else goes on to the server."""

        def body_for(path: str):
            if path in routes:
                return routes[path]
            for prefix, body in routes.items():
                if prefix.endswith("/") and path.startswith(prefix):
                    return body
            return None

        async def paused(params):
            path = urlparse(params["request"]["url"]).path
            body = body_for(path)
            if body is None:
                await self.call("Fetch.continueRequest", {"requestId": params["requestId"]})
                return
            await self.call("Fetch.fulfillRequest", {
                "requestId": params["requestId"], "responseCode": 200,
                "responseHeaders": [{"name": "Content-Type", "value": "application/json"}],
                "body": base64.b64encode(json.dumps(body).encode()).decode()})

        self.handlers["Fetch.requestPaused"] = paused
        await self.call("Fetch.enable", {"patterns": [{"urlPattern": "*/api/v1/*"}]})

    async def goto(self, url: str):
        await self.call("Page.navigate", {"url": url})
        await self.wait_for("document.readyState === 'complete'", f"{url} to load")

    async def evaluate(self, expression: str):
        result = await self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            raise CDPError(f"{expression}: {result['exceptionDetails'].get('exception', {}).get('description', result['exceptionDetails'])}")
        return result.get("result", {}).get("value")

    async def wait_for(self, expression: str, what: str, timeout: float = WAIT):
        deadline = time.monotonic() + timeout
        while True:
            try:
                if await self.evaluate(expression):
                    return
            except CDPError:
                pass  # the page is between documents
            if time.monotonic() >= deadline:
                text = await self.evaluate("document.body ? document.body.innerText.slice(0, 1500) : ''")
                raise AssertionError(f"timed out waiting for {what}; the page shows:\n{text}\nconsole: {self.console_messages()}")
            await asyncio.sleep(0.1)

    async def close(self):
        """Closes the tab itself (its EventSource with it: Chromium opens at most six HTTP/1.1
        connections per host, so tabs left open would starve the next page), then the socket."""
        with contextlib.suppress(CDPError, asyncio.TimeoutError):
            await self.call("Page.close", timeout=STEP)
        await super().close()

    async def screenshot(self, path: Path):
        result = await self.call("Page.captureScreenshot", {"format": "png"}, timeout=30)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(result["data"]))

    def console_messages(self) -> list[str]:
        lines = []
        for method, params in self.events:
            if method == "Runtime.consoleAPICalled":
                lines.append(f"console.{params.get('type')}: " + " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
            elif method == "Runtime.exceptionThrown":
                lines.append("exception: " + str(params.get("exceptionDetails", {}).get("exception", {}).get("description", params)))
            elif method == "Log.entryAdded":
                entry = params.get("entry", {})
                lines.append(f"log.{entry.get('level')} ({entry.get('source')}): {entry.get('text')} {entry.get('url', '')}")
        return lines

    def console_errors(self, allowed_missing: tuple[str, ...] = ()) -> list[str]:
        """Errors the page caused: exceptions, console.error, and browser log errors (CSP
        violations among them), except 404s from the paths in `allowed_missing` (routes of
        another branch this server does not have yet)."""
        errors = []
        for method, params in self.events:
            if method == "Runtime.exceptionThrown":
                errors.append(str(params.get("exceptionDetails", {})))
            elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
                errors.append(str(params.get("args")))
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                entry = params["entry"]
                path = urlparse(entry.get("url", "")).path
                if entry.get("source") == "network" and "404" in entry.get("text", "") and path in allowed_missing:
                    continue
                errors.append(f"{entry.get('source')}: {entry.get('text')} {entry.get('url', '')}")
        return errors

    def response_headers(self, url_suffix: str) -> dict[str, str]:
        for method, params in reversed(self.events):
            if method == "Network.responseReceived" and params["response"]["url"].endswith(url_suffix):
                return {k.lower(): v for k, v in params["response"]["headers"].items()}
        raise AssertionError(f"no response for {url_suffix}")


class Chromium:
    """A headless Chromium process (own profile directory, DevTools on an ephemeral port)."""

    def __init__(self, binary: str):
        self.binary = binary
        self.profile = tempfile.mkdtemp(prefix="vigil-chromium-")
        self.proc: subprocess.Popen | None = None
        self.browser_url: str | None = None
        self.stderr_lines: list[str] = []

    async def __aenter__(self) -> "Chromium":
        args = [self.binary, "--headless=new", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions", "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0", f"--user-data-dir={self.profile}", "about:blank"]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium refuses to run its sandbox as root
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        found = threading.Event()

        def pump():
            assert self.proc and self.proc.stderr
            for raw in self.proc.stderr:
                line = raw.decode("utf-8", "replace").rstrip()
                self.stderr_lines.append(line)
                match = DEVTOOLS_RE.search(line)
                if match and not found.is_set():
                    self.browser_url = match.group(1)
                    found.set()

        threading.Thread(target=pump, daemon=True).start()
        if not await asyncio.to_thread(found.wait, 30):
            self.close()
            raise RuntimeError("Chromium did not print its DevTools URL within 30 s: " + "\n".join(self.stderr_lines[-20:]))
        return self

    async def __aexit__(self, *exc):
        self.close()

    async def page(self, width: int = 1280, height: int = 800) -> Page:
        assert self.browser_url
        async with connect(self.browser_url, open_timeout=STEP, max_size=None) as ws:
            browser = Connection(ws)
            target = await browser.call("Target.createTarget", {"url": "about:blank"})
            await browser.close()
        host = urlparse(self.browser_url).netloc
        ws = await connect(f"ws://{host}/devtools/page/{target['targetId']}", open_timeout=STEP, max_size=None)
        page = Page(ws)
        await page.setup(width, height)
        return page

    def close(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        # Chromium's helper processes can still write to the profile just after the browser
        # exits: remove it again once they have had a moment.
        for _ in range(5):
            shutil.rmtree(self.profile, ignore_errors=True)
            if not os.path.exists(self.profile):
                break
            time.sleep(0.2)
