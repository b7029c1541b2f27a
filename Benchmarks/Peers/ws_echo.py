"""Raw ASGI WebSocket echo app (no framework) for the Benchmarks `websocket` scenario.

Served by uvicorn (`--ws websockets`) and granian (`--interface asgi`), each pinned to the
server CPU exactly like asgi-demo:

    GET /   -> 200 text/plain "Hello, World!" (the driver's readiness probe)
    /ws     -> accept, then echo every message (text as text, bytes as bytes) until the
               client disconnects; any other WebSocket path is refused (close 1008).

Standard library only; the driver puts this folder on PYTHONPATH and runs `ws_echo:app`.
"""

HELLO_START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(b"content-type", b"text/plain"), (b"content-length", b"13")],
}
HELLO_BODY = {"type": "http.response.body", "body": b"Hello, World!"}


async def app(scope, receive, send):
    kind = scope["type"]
    if kind == "websocket":
        await websocket_echo(scope, receive, send)
    elif kind == "http":
        await send(HELLO_START)
        await send(HELLO_BODY)
    elif kind == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return


async def websocket_echo(scope, receive, send):
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    if scope["path"] != "/ws":
        await send({"type": "websocket.close", "code": 1008})
        return
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] == "websocket.receive":
            text = message.get("text")
            if text is not None:
                await send({"type": "websocket.send", "text": text})
            else:
                await send({"type": "websocket.send", "bytes": message.get("bytes") or b""})
        elif message["type"] == "websocket.disconnect":
            return
