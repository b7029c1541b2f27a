/// `GET /chat`: a small page (HTML and script in one, served from the binary) where a person
/// picks a room and chats over `/ws/chat/:room`. Messages come as the route's JSON events:
/// `message` (shown with its room), `notice` and `error` (shown in italics).
enum ChatPage {
    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>SwiftASGI chat</title>
        <style>
          body { font: 16px/1.4 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }
          #log { border: 1px solid #ccc; height: 20rem; overflow-y: auto; padding: .5rem; margin: .5rem 0; }
          #log .notice, #log .error { font-style: italic; color: #666; }
          #log .error { color: #a00; }
          form { display: flex; gap: .5rem; }
          input[name=text] { flex: 1; }
        </style>
        </head>
        <body>
        <h1>Chat</h1>
        <form id="join">
          <label>Room <input name="room" value="lobby" pattern="[A-Za-z0-9_-]{1,64}" required></label>
          <button>Join</button> <span id="status">not connected</span>
        </form>
        <div id="log" aria-live="polite"></div>
        <form id="send">
          <input name="text" autocomplete="off" placeholder="Type a message" disabled>
          <button disabled>Send</button>
        </form>
        <script>
        "use strict";
        const log = document.getElementById("log");
        const status = document.getElementById("status");
        const sendForm = document.getElementById("send");
        let socket = null;

        function show(text, kind) {
          const line = document.createElement("div");
          line.className = kind;
          line.textContent = text;
          log.appendChild(line);
          log.scrollTop = log.scrollHeight;
        }

        function setConnected(connected) {
          for (const element of sendForm.elements) element.disabled = !connected;
          if (connected) sendForm.elements.text.focus();
        }

        document.getElementById("join").addEventListener("submit", (event) => {
          event.preventDefault();
          const room = event.target.elements.room.value;
          if (socket) socket.close(1000);
          const scheme = location.protocol === "https:" ? "wss:" : "ws:";
          const current = new WebSocket(`${scheme}//${location.host}/ws/chat/${encodeURIComponent(room)}`);
          socket = current;
          status.textContent = `joining ${room}…`;
          current.addEventListener("open", () => { status.textContent = `in ${room}`; setConnected(true); });
          current.addEventListener("message", (message) => {
            let event;
            try { event = JSON.parse(message.data); } catch { show(message.data, "message"); return; }
            if (event.type === "message") show(`[${event.room}] ${event.text}`, "message");
            else show(event.text, event.type === "error" ? "error" : "notice");
          });
          current.addEventListener("close", (close) => {
            if (socket !== current) return;
            status.textContent = close.code === 1006 ? "disconnected (the server refused or dropped the connection)"
                                                     : `closed (${close.code})`;
            setConnected(false);
          });
        });

        sendForm.addEventListener("submit", (event) => {
          event.preventDefault();
          const input = event.target.elements.text;
          if (socket && socket.readyState === WebSocket.OPEN && input.value) {
            socket.send(input.value);
            input.value = "";
          }
        });
        </script>
        </body>
        </html>
        """#

    static let bytes: [UInt8] = Array(html.utf8)
}
