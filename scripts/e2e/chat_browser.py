#!/usr/bin/env python3
"""The /chat page in a real browser: two people, two asgi-demo processes, one Redis.

Drives headless Chromium over the DevTools protocol (CDP) with only the standard library and
`websockets`. Two browser contexts (like two browser profiles), one page each: A opens /chat on
the first server, B on the second. Both type the same random room name and join (A presses
Enter, B clicks "Join") until the page says "in <room>"; then A types a unique message and
presses Enter. It passes when B's list shows it as the page prints it ("[room] text"), A's list
too (a room sends every message to all its members, the sender included), A's box is emptied,
and B's reply reaches A, each line exactly once, with no uncaught JavaScript error.

    chat_browser.py --browser chromium --url-a http://127.0.0.1:P1/chat --url-b http://127.0.0.1:P2/chat

Screenshots of both pages go to $ARTIFACT_DIR (default .build/artifacts/browser).
Exit status 0 when everything was seen, 1 with the reason and both pages' text otherwise.
"""
import argparse
import asyncio
import base64
import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from websockets.asyncio.client import connect

WAIT_S = 10  # the longest any single wait (page load, join, message) may take


class Failure(Exception):
    pass


class DevTools:
    """One DevTools WebSocket: numbered commands, answers matched to them by id."""

    def __init__(self, socket):
        self.socket = socket
        self.next_id = 0
        self.pending = {}
        self.exceptions = []  # uncaught JavaScript errors of the pages, as text
        self.reader = asyncio.create_task(self.read())

    async def read(self):
        try:
            async for raw in self.socket:
                message = json.loads(raw)
                if "id" in message:
                    future = self.pending.pop(message["id"], None)
                    if future and not future.done():
                        future.set_result(message)
                elif message.get("method") == "Runtime.exceptionThrown":
                    details = message["params"]["exceptionDetails"]
                    text = details.get("exception", {}).get("description") or details.get("text")
                    self.exceptions.append(text)
        finally:  # the browser went away: wake every waiter
            for future in self.pending.values():
                if not future.done():
                    future.set_exception(Failure("the DevTools connection closed"))

    async def send(self, method, params=None, session=None):
        self.next_id += 1
        command = {"id": self.next_id, "method": method, "params": params or {}}
        command.update({"sessionId": session} if session else {})  # a page's commands name its session
        future = asyncio.get_running_loop().create_future()
        self.pending[self.next_id] = future
        await self.socket.send(json.dumps(command))
        answer = await asyncio.wait_for(future, WAIT_S)
        if "error" in answer:
            raise Failure(f"{method}: {answer['error'].get('message')}")
        return answer.get("result", {})


class Page:
    """One tab in its own browser context, reached through a flattened session."""

    def __init__(self, name, tools, session):
        self.name, self.tools, self.session = name, tools, session

    @classmethod
    async def open(cls, name, tools, url):
        context = (await tools.send("Target.createBrowserContext"))["browserContextId"]
        target = await tools.send("Target.createTarget", {"url": "about:blank", "browserContextId": context})
        attached = await tools.send("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True})
        page = cls(name, tools, attached["sessionId"])
        await page.send("Runtime.enable")
        # Both tabs behave as if their window had the focus, so focus() and typing work in each.
        await page.send("Emulation.setFocusEmulationEnabled", {"enabled": True})
        await page.send("Page.navigate", {"url": url})
        await page.wait_for("document.readyState === 'complete' && !!document.getElementById('status')",
                            f"the chat page to load from {url}")
        return page

    def send(self, method, params=None):
        return self.tools.send(method, params, self.session)

    async def js(self, expression):
        """The value of a JavaScript expression in the page."""
        result = await self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise Failure(f"page {self.name}: {expression!r} threw {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    async def wait_for(self, expression, what, timeout=WAIT_S):
        """Polls a JavaScript condition until it is true; fails after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if await self.js(expression):
                return
            await asyncio.sleep(0.05)
        raise Failure(f"page {self.name}: no {what} within {timeout} s")

    async def type_text(self, text):
        """Types into the focused element one key at a time (keydown, keypress, input, keyup), as a
        keyboard does; characters beyond ASCII come as one insertion, as an input method gives them."""
        for char in text:
            if char.isascii():
                await self.send("Input.dispatchKeyEvent", {"type": "keyDown", "key": char, "text": char})
                await self.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": char})
            else:
                await self.send("Input.insertText", {"text": char})

    async def press_enter(self):
        key = {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "nativeVirtualKeyCode": 13}
        await self.send("Input.dispatchKeyEvent", {"type": "keyDown", "text": "\r", **key})
        await self.send("Input.dispatchKeyEvent", {"type": "keyUp", **key})

    async def click(self, selector):
        """A left click with the mouse at the middle of the element."""
        x, y = await self.js(f"(() => {{ const r = document.querySelector({json.dumps(selector)})"
                             ".getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()")
        await self.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y})
        for kind in ("mousePressed", "mouseReleased"):
            await self.send("Input.dispatchMouseEvent",
                            {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1})

    async def focus(self, selector):
        """Puts the caret in a field with its old text selected, so typing replaces it."""
        await self.js(f"(e => {{ e.focus(); e.select(); }})(document.querySelector({json.dumps(selector)}))")

    def log_has(self, line):
        """JavaScript: true when exactly one line of the message list reads `line`."""
        return (f"[...document.querySelectorAll('#log .message')]"
                f".filter(e => e.textContent === {json.dumps(line)}).length === 1")

    async def visible_text(self):
        try:
            # innerText leaves out what the fields hold: add it.
            return await self.js("document.body.innerText + '\\n(fields: ' + [...document.querySelectorAll"
                                 "('input')].map(e => `${e.name}=${JSON.stringify(e.value)}`"
                                 " + (e.disabled ? ' disabled' : '')).join(', ') + ')'")
        except Exception as error:  # the page itself may be what broke
            return f"<unreadable: {error}>"

    async def screenshot(self, directory):
        data, path = await self.send("Page.captureScreenshot", {"format": "png"}), f"{directory}/chat-{self.name}.png"
        with open(path, "wb") as file:
            file.write(base64.b64decode(data["data"]))
        return path


async def join(page, room, how):
    await page.focus("#join input[name=room]")
    await page.type_text(room)
    await (page.press_enter() if how == "enter" else page.click("#join button"))
    await page.wait_for(f"document.getElementById('status').textContent === {json.dumps('in ' + room)}"
                        " && !document.querySelector('#send input[name=text]').disabled",
                        f"'in {room}' status with the message box enabled")


async def say(page, text):
    await page.focus("#send input[name=text]")
    await page.type_text(text)
    await page.press_enter()


async def chat(tools, args, pages):
    room, token = "e2e-" + secrets.token_hex(4), secrets.token_hex(6)  # unique to this run
    message, reply = f"hello from A {token} héllo ✓", f"hi A, B here {token}"
    pages.append(a := await Page.open("A", tools, args.url_a))
    pages.append(b := await Page.open("B", tools, args.url_b))
    started = time.monotonic()
    await join(a, room, "enter")
    await join(b, room, "click")
    print(f"both pages in room {room} ({time.monotonic() - started:.2f} s)")
    started = time.monotonic()
    await say(a, message)
    expected = f"[{room}] " + (message + " (never sent)" if args.expect_wrong else message)
    await b.wait_for(b.log_has(expected), f"message {expected!r} in B's list")
    print(f"page B shows A's message after {time.monotonic() - started:.2f} s")
    await a.wait_for(a.log_has(expected), f"own message {expected!r} in A's list")
    await a.wait_for("document.querySelector('#send input[name=text]').value === ''", "empty box after sending")
    started = time.monotonic()
    await say(b, reply)
    await a.wait_for(a.log_has(f"[{room}] {reply}"), f"B's reply {reply!r} in A's list")
    print(f"page A shows B's reply after {time.monotonic() - started:.2f} s")
    await asyncio.sleep(0.3)  # room for a duplicate to arrive, if the server sent one
    for page in (a, b):
        for line in (expected, f"[{room}] {reply}"):
            if not await page.js(page.log_has(line)):
                raise Failure(f"page {page.name}: {line!r} is not there exactly once")
    if tools.exceptions:
        raise Failure("uncaught JavaScript errors: " + "; ".join(tools.exceptions))


async def drive(args, url, artifacts):
    """Connects to the browser, runs the chat, and takes screenshots whether it passed or not."""
    async with connect(url, max_size=None, ping_interval=None) as socket:
        tools, pages, failure = DevTools(socket), [], None
        try:
            await asyncio.wait_for(chat(tools, args, pages), 60)
        except asyncio.TimeoutError:
            failure = "the chat did not finish within 60 s"
        except Exception as error:  # Failure, or the browser connection broke
            failure = str(error) if isinstance(error, Failure) else f"{type(error).__name__}: {error}"
        for page in pages:
            try:
                print(f"screenshot of page {page.name}: {await page.screenshot(artifacts)}")
            except Exception as error:
                print(f"no screenshot of page {page.name}: {error}")
            if failure:
                print(f"--- page {page.name} shows:\n{await page.visible_text()}\n---")
        return failure


def devtools_url(profile, browser, log):
    """The browser's DevTools address: Chromium writes its port and path to <profile>/DevToolsActivePort."""
    path, deadline = os.path.join(profile, "DevToolsActivePort"), time.monotonic() + 30
    while time.monotonic() < deadline:
        if browser.poll() is not None:
            raise Failure(f"chromium exited with status {browser.returncode} at start: {tail(log)}")
        try:
            with open(path) as file:
                lines = file.read().split("\n")
            if len(lines) >= 2 and lines[1]:
                return f"ws://127.0.0.1:{int(lines[0])}{lines[1]}"
        except (FileNotFoundError, ValueError):
            pass
        time.sleep(0.1)
    raise Failure(f"chromium wrote no DevToolsActivePort within 30 s: {tail(log)}")


def stop_group(browser):
    """SIGTERM to chromium's process group, up to 5 s to exit, then SIGKILL for whatever is left."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):  # (none of the group is left)
            os.killpg(browser.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            browser.wait(5)


def tail(path, lines=8):  # the end of Chromium's own log, for errors at start
    with open(path, errors="replace") as file:
        return "".join(file.readlines()[-lines:])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--browser", default="chromium")
    parser.add_argument("--url-a", required=True, help="the /chat page on the first server")
    parser.add_argument("--url-b", required=True, help="the /chat page on the second server")
    parser.add_argument("--expect-wrong", action="store_true", help="wait for a text never sent (must fail)")
    args = parser.parse_args()
    artifacts = os.environ.get("ARTIFACT_DIR") or ".build/artifacts/browser"
    os.makedirs(artifacts, exist_ok=True)
    # SIGTERM (a timeout, a cancelled job) ends through the `finally` below like any failure.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args.profile = tempfile.mkdtemp(prefix="chat-browser-")
    log, browser = os.path.join(args.profile, "chromium.log"), None
    try:
        with open(log, "w") as output:
            browser = subprocess.Popen(
                [args.browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--mute-audio",
                 "--window-size=900,800", "--remote-debugging-port=0", f"--user-data-dir={args.profile}",
                 "about:blank"],
                stdin=subprocess.DEVNULL, stdout=output, stderr=output, start_new_session=True)
        failure = asyncio.run(drive(args, devtools_url(args.profile, browser, log), artifacts))
    except Failure as error:
        failure = str(error)
    finally:
        if browser:  # the whole process group: chromium starts many processes
            stop_group(browser)
        shutil.rmtree(args.profile, ignore_errors=True)
    if failure:
        print(f"error: {failure}", file=sys.stderr)
        return 1
    print("chat in the browser: A -> B and B -> A delivered across both servers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
