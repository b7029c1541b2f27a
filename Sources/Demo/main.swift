print("asgi-demo")
