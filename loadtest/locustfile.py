"""Locust load test for the asgi-demo routes (the README's table).

    pip install locust websockets
    locust -f loadtest/locustfile.py --headless -u 100 -r 20 -t 1m --host http://127.0.0.1:6000

Every response is checked (status and body), so a wrong answer counts as a failure, not only an error
status. The Redis routes are tagged `redis` (run with `--exclude-tags redis` when the server has no
Redis: they answer 503 then); `/slow` is tagged `slow` (it holds a user for 1 s by design).
"""

import json as json_module
import os
import random
import string
import time

from locust import HttpUser, User, between, tag, task
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect as ws_connect

# Each user sets and reads its own keys (at most this many), so every /get has a known answer.
KEYS_PER_USER = int(os.environ.get("LOCUST_KEYS_PER_USER", "100"))
STREAM_LINES = 10


def random_text(length: int) -> str:
    return "".join(random.choices(string.ascii_letters + string.digits, k=length))


class DemoUser(HttpUser):
    # Think time between requests; LOCUST_WAIT_MAX=0 makes every user request back to back.
    wait_time = between(0.0, float(os.environ.get("LOCUST_WAIT_MAX", "0.1")))

    def on_start(self):
        self.key_prefix = f"locust:{random_text(10)}:"
        self.stored: dict[str, str] = {}  # what this user's /set calls stored

    def _expect(self, response, status: int, body: bytes | None = None) -> None:
        if response.status_code != status:
            response.failure(f"status {response.status_code}, expected {status}")
        elif body is not None and response.content != body:
            response.failure(f"body {response.content[:80]!r}, expected {body[:80]!r}")
        else:
            response.success()

    @task(10)
    def hello(self):
        with self.client.get("/", catch_response=True) as response:
            self._expect(response, 200, b"Hello, ASGI!")

    @task(4)
    def echo_get(self):
        message = random_text(12)
        with self.client.get("/echo", params={"message": message}, name="/echo?message=[text]",
                             catch_response=True) as response:
            self._expect(response, 200, f"You said: {message}".encode())

    @task(3)
    def echo_post(self):
        body = os.urandom(random.choice((64, 1024, 16 * 1024)))
        with self.client.post("/echo", data=body, name="/echo [POST]",
                              headers={"content-type": "application/octet-stream"},
                              catch_response=True) as response:
            self._expect(response, 200, body)

    @task(5)
    def json(self):
        with self.client.get("/json", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
            elif response.json() != {"message": "Hello, JSON!"}:
                response.failure(f"body {response.text[:80]!r}")
            else:
                response.success()

    @task(2)
    def stream(self):
        expected = "".join(f"line {i}\n" for i in range(1, STREAM_LINES + 1)).encode()
        with self.client.get("/stream", params={"n": STREAM_LINES}, name=f"/stream?n={STREAM_LINES}",
                             catch_response=True) as response:
            self._expect(response, 200, expected)

    @tag("slow")
    @task(1)
    def slow(self):
        with self.client.get("/slow", catch_response=True) as response:
            self._expect(response, 200)

    @tag("redis")
    @task(6)
    def redis_get(self):
        if self.stored and random.random() < 0.9:
            key, value = random.choice(list(self.stored.items()))
            with self.client.get("/get", params={"key": key}, name="/get?key=[key]",
                                 catch_response=True) as response:
                self._expect(response, 200, value.encode())
        else:  # a key nobody set: 404
            with self.client.get("/get", params={"key": self.key_prefix + "never-set"},
                                 name="/get?key=[missing]", catch_response=True) as response:
                self._expect(response, 404)

    @tag("redis")
    @task(2)
    def redis_set(self):
        key = f"{self.key_prefix}{random.randrange(KEYS_PER_USER)}"
        value = random_text(16)
        with self.client.get("/set", params={"key": key, "value": value},
                             name="/set?key=[key]&value=[text]", catch_response=True) as response:
            self._expect(response, 200, b"OK")
        if response.status_code == 200:
            self.stored[key] = value


class WebSocketUser(User):
    """WebSocket users over the `websockets` client (`pip install locust websockets`): echo on
    `/ws` and a round trip through a Redis-backed chat room on `/ws/chat/:room`. Each exchange is
    reported to Locust as one request (`WS /ws`, `WS /ws/chat`); a wrong answer is a failure."""

    wait_time = between(0.0, float(os.environ.get("LOCUST_WAIT_MAX", "0.1")))
    weight = int(os.environ.get("LOCUST_WS_WEIGHT", "1"))

    def on_start(self):
        base = self.host.replace("http://", "ws://").replace("https://", "wss://").rstrip("/")
        self.echo = ws_connect(base + "/ws", open_timeout=10)
        self.room = f"locust-{random.randrange(8)}"
        self.chat = None
        try:
            self.chat = ws_connect(f"{base}/ws/chat/{self.room}", open_timeout=10)
        except InvalidStatus as error:  # 503: the server has no Redis
            self._report("WS /ws/chat [connect]", 0, 0, error)

    def on_stop(self):
        for socket in (self.echo, self.chat):
            if socket is not None:
                socket.close()

    def _report(self, name, started, length, exception=None):
        elapsed = (time.perf_counter() - started) * 1000 if started else 0
        self.environment.events.request.fire(
            request_type="WS", name=name, response_time=elapsed, response_length=length,
            exception=exception, context={})

    @task(4)
    def echo_text(self):
        message = random_text(random.choice((8, 128, 4096)))
        started = time.perf_counter()
        try:
            self.echo.send(message)
            answer = self.echo.recv(timeout=10)
            error = None if answer == message else AssertionError(f"echo {answer[:40]!r}")
        except Exception as exception:  # connection closed, timeout
            error = exception
        self._report("WS /ws", started, len(message), error)

    @tag("redis")
    @task(1)
    def chat_round_trip(self):
        if self.chat is None:
            return
        text = random_text(16)
        started = time.perf_counter()
        error = None
        try:
            self.chat.send(text)
            while True:  # other users of the room talk too: wait for our own message
                event = json_module.loads(self.chat.recv(timeout=10))
                if event.get("type") == "message" and event.get("text") == text:
                    break
        except Exception as exception:
            error = exception
        self._report("WS /ws/chat", started, len(text), error)
