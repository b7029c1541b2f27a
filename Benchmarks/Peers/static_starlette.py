"""Starlette static files for the Benchmarks `static` scenario, served by uvicorn pinned to the
server CPU like asgi-demo:

    /static/<file>  -> Starlette's StaticFiles over the folder named by STATIC_DIR
    GET /           -> 200 text/plain "Hello, World!" (the driver's readiness probe)

The driver puts this folder on PYTHONPATH, sets STATIC_DIR and runs `static_starlette:app`.
The mount comes first, so a /static/ request matches the first route.
"""

import os

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles


async def hello(request):
    return PlainTextResponse("Hello, World!")


app = Starlette(routes=[
    Mount("/static", app=StaticFiles(directory=os.environ["STATIC_DIR"])),
    Route("/", hello),
])
