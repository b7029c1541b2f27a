#!/usr/bin/env python3
"""Reads asgi-demo's Prometheus endpoint with prometheus_client's own text parser.

usage:
  metrics_check.py scrape METRICS_URL
      prints {"families": {name: type}, "samples": {"name{k=v,...}": value}} (labels sorted)
  metrics_check.py traffic HOST PORT COUNT
      sends COUNT requests with random paths and methods (known and invented ones) on fresh
      connections; prints {"sent": n, "statuses": {code: count}}
  metrics_check.py websocket URL MESSAGES
      opens a WebSocket, sends MESSAGES text messages, reads the echoes, keeps it open until
      stdin closes; prints "OPEN" when the echoes came back and {"echoed": n} at the end
"""
import asyncio
import http.client
import json
import random
import string
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families


def scrape(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        content_type = response.headers.get("content-type", "")
        text = response.read().decode("utf-8")
    families, samples = {}, {}
    for family in text_string_to_metric_families(text):
        families[family.name] = family.type
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}"] = sample.value
    print(json.dumps({"contentType": content_type, "families": families, "samples": samples}))


def traffic(host, port, count):
    methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
    statuses = {}
    rng = random.Random(7)
    for index in range(count):
        if index % 3 == 0:
            method = "".join(rng.choice(string.ascii_uppercase) for _ in range(rng.randint(3, 9)))
        else:
            method = rng.choice(methods)
        path = "/" + "".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(12))
        connection = http.client.HTTPConnection(host, port, timeout=10)
        connection.request(method, path, body=b"x" if method in ("POST", "PUT", "PATCH") else None)
        response = connection.getresponse()
        response.read()
        statuses[response.status] = statuses.get(response.status, 0) + 1
        connection.close()
    print(json.dumps({"sent": count, "statuses": statuses}))


async def websocket(url, messages):
    import websockets

    async with websockets.connect(url) as ws:
        for index in range(messages):
            await ws.send(f"message {index}")
        echoed = 0
        for _ in range(messages):
            await asyncio.wait_for(ws.recv(), 10)
            echoed += 1
        print("OPEN", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    print(json.dumps({"echoed": echoed}), flush=True)


def main():
    command = sys.argv[1]
    if command == "scrape":
        scrape(sys.argv[2])
    elif command == "traffic":
        traffic(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif command == "websocket":
        asyncio.run(websocket(sys.argv[2], int(sys.argv[3])))
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
