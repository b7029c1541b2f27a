"""Locust load test for the asgi-demo routes (the README's table).

    pip install locust
    locust -f loadtest/locustfile.py --headless -u 100 -r 20 -t 1m --host http://127.0.0.1:6000

Every response is checked (status and body), so a wrong answer counts as a failure, not only an error
status. The Redis routes are tagged `redis` (run with `--exclude-tags redis` when the server has no
Redis: they answer 503 then); `/slow` is tagged `slow` (it holds a user for 1 s by design).
"""

import os
import random
import string

from locust import HttpUser, between, tag, task

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
