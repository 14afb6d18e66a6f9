"""Slack Socket Mode in the sandbox: ``apps.connections.open`` and a loopback WebSocket server.

``apps.connections.open`` (app-level token ``xapp-...``) answers ``{ok, url}`` with a one-use
``ws://127.0.0.1:<port>/link/?ticket=...``; the client connects, gets ``{"type": "hello"}``,
then envelopes pushed by a test (:meth:`SocketModeServer.push`) and acknowledges each by
sending ``{"envelope_id", "payload"?}`` (recorded, :meth:`SocketModeServer.wait_ack`).
``disconnect()`` sends ``{"type": "disconnect", "reason": "refresh_requested"}``.

The WebSocket side is RFC 6455 by hand on the stdlib: the opening handshake and unfragmented
text, ping/pong and close frames are all Slack's client (``slack_sdk.socket_mode.builtin``)
uses, and a hand-rolled server keeps the sandbox free of another dependency and its threading
model. The server starts on the first ``apps.connections.open`` and stops with its Slack server.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from integrations.sandbox.base import Request, Response, SandboxServer
from integrations.sandbox.slack import wire as wire

APP_TOKEN = "xapp-1-A0SANDBOX1-1-sandbox"  # the sandbox app's app-level token
OPEN_PATH = "/api/apps.connections.open"  # checks the app token itself (not the bot token)
_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 section 1.3
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


def install(server: SandboxServer, app_token: str = APP_TOKEN) -> SocketModeServer:
    """Serve ``apps.connections.open`` on ``server``; its socket server lives while it does."""
    sockets = SocketModeServer(app_token, alive=lambda: _running(server))

    def open_connection(request: Request, _: object) -> Response:
        token = wire.token_of(request)
        if not token:
            return wire.fail("not_authed")
        if token == server.world.slack.bot_token:
            return wire.fail("not_allowed_token_type")
        if token != sockets.app_token:
            return wire.fail("invalid_auth")
        return wire.ok(url=sockets.open_url())

    server.route("POST", OPEN_PATH, open_connection)
    server.route("GET", OPEN_PATH, open_connection)
    return sockets


def _running(server: SandboxServer) -> bool:
    try:
        server.url  # noqa: B018 (raises once the server stopped)
    except RuntimeError:
        return False
    return True


class _Peer:
    """One accepted WebSocket connection; writes are serialized."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.lock = threading.Lock()
        self.open = True
        self.refreshing = False  # sent "disconnect": closed once the client has reconnected

    def send(self, opcode: int, data: bytes) -> None:
        n = len(data)
        head = bytes([0x80 | opcode])  # FIN, unmasked: servers never mask (RFC 6455 5.1)
        if n < 126:
            head += bytes([n])
        elif n < 1 << 16:
            head += bytes([126]) + struct.pack("!H", n)
        else:
            head += bytes([127]) + struct.pack("!Q", n)
        with self.lock:
            if self.open:
                self.sock.sendall(head + data)

    def close(self) -> None:
        with self.lock:
            self.open = False
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


class SocketModeServer:
    """The WebSocket end of Socket Mode on 127.0.0.1; see the module docstring."""

    def __init__(self, app_token: str = APP_TOKEN, *, host: str = "127.0.0.1",
                 alive: Callable[[], bool] = lambda: True, ping_every: float = 0.5) -> None:
        self.app_token = app_token
        # Slack pings its clients; slack_sdk's client only lets go of a socket it is closing
        # between reads, so pings also keep its shutdown short (else up to its 3 s read timeout).
        self.ping_every = ping_every
        self._host, self._alive = host, alive
        self._listener: socket.socket | None = None
        self._lock = threading.Condition()
        self._tickets: set[str] = set()
        self._peers: list[_Peer] = []
        self._ids = itertools.count(1)
        self.connections = 0  # handshakes completed
        self.acks: list[dict[str, Any]] = []
        self.received: list[dict[str, Any]] = []  # every text message from clients

    # ---- control and queries for tests ---------------------------------------------------

    def open_url(self) -> str:
        """A fresh one-use ``ws://`` URL (starts the server on first use)."""
        with self._lock:
            if self._listener is None:
                self._start()
            ticket = uuid.uuid4().hex
            self._tickets.add(ticket)
            assert self._listener is not None
            host, port = self._listener.getsockname()[:2]
        return f"ws://{host}:{port}/link/?ticket={ticket}"

    @property
    def running(self) -> bool:
        """Whether the WebSocket listener is open."""
        return self._listener is not None

    def wait_connected(self, count: int = 1, timeout: float = 10) -> None:
        """Block until ``count`` handshakes completed (hello sent)."""
        self._wait(lambda: self.connections >= count and bool(self._peers), timeout, "connection")

    def push(self, kind: str, payload: dict[str, Any], *,
             accepts_response_payload: bool = False) -> str:
        """Send an envelope (``slash_commands``, ``interactive``, ``events_api``) to the newest
        client; returns its ``envelope_id``."""
        envelope_id = f"{next(self._ids):08d}-{uuid.uuid4()}"
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload,
                    "accepts_response_payload": accepts_response_payload}
        if kind == "events_api":
            envelope["retry_attempt"], envelope["retry_reason"] = 0, ""
        self._newest().send(TEXT, json.dumps(envelope).encode())
        return envelope_id

    def wait_ack(self, envelope_id: str, timeout: float = 10) -> dict[str, Any]:
        """The client's acknowledgement of one envelope (waits for it)."""
        found: list[dict[str, Any]] = []

        def acked() -> bool:
            found[:] = [a for a in self.acks if a.get("envelope_id") == envelope_id]
            return bool(found)

        self._wait(acked, timeout, f"ack of {envelope_id}")
        return found[0]

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the newest client to reconnect, as Slack does before recycling a connection."""
        message = {"type": "disconnect", "reason": reason,
                   "debug_info": {"host": "sandbox-socket"}}
        peer = self._newest()
        peer.refreshing = True
        peer.send(TEXT, json.dumps(message).encode())

    def stop(self) -> None:
        """Close the listener and every connection."""
        with self._lock:
            listener, self._listener = self._listener, None
            peers, self._peers = list(self._peers), []
            self._lock.notify_all()
        if listener is not None:
            listener.close()
        for peer in peers:
            peer.close()

    # ---- plumbing ------------------------------------------------------------------------

    def _wait(self, done: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        with self._lock:
            while not done():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"socket mode: no {what} within {timeout} s")
                self._lock.wait(left)

    def _newest(self) -> _Peer:
        with self._lock:
            if not self._peers:
                raise RuntimeError("socket mode: no client is connected")
            return self._peers[-1]

    def _start(self) -> None:
        listener = socket.create_server((self._host, 0))
        listener.settimeout(0.1)  # to notice stop() and the Slack server stopping
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True,
                         name="sandbox-slack-socket").start()

    def _accept(self, listener: socket.socket) -> None:
        pinged = time.monotonic()
        while self._listener is listener:
            if not self._alive():
                self.stop()
                return
            if time.monotonic() - pinged >= self.ping_every:
                pinged = time.monotonic()
                self._ping_all()
            try:
                sock, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(sock,), daemon=True,
                             name="sandbox-slack-socket-peer").start()

    def _ping_all(self) -> None:
        with self._lock:
            peers = list(self._peers)
        for peer in peers:
            try:
                peer.send(PING, b"sandbox")
            except OSError:
                pass  # its reader notices and cleans up

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        reader = sock.makefile("rb")
        peer = _Peer(sock)
        try:
            if not self._handshake(reader, peer):
                return
            with self._lock:
                self._peers.append(peer)
            peer.send(TEXT, json.dumps(_hello(self.connections + 1)).encode())
            with self._lock:
                self.connections += 1
                self._lock.notify_all()
                # Slack closes a refreshed connection soon after its replacement is up;
                # slack_sdk's client swaps sessions only once the old one's reads end.
                stale = [p for p in self._peers if p.refreshing]
            for old in stale:
                old.close()
            self._read_loop(reader, peer)
        except (OSError, ValueError):
            pass  # the client went away mid-frame
        finally:
            with self._lock:
                if peer in self._peers:
                    self._peers.remove(peer)
            peer.close()

    def _handshake(self, reader: Any, peer: _Peer) -> bool:
        request_line = reader.readline(8192).decode("latin-1").split()
        headers: dict[str, str] = {}
        while (line := reader.readline(8192).decode("latin-1").strip()):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        target = urlsplit(request_line[1]) if len(request_line) == 3 else None
        ticket = (parse_qs(target.query).get("ticket") or [""])[0] if target else ""
        with self._lock:
            valid = ticket in self._tickets
            self._tickets.discard(ticket)  # one use, like Slack's
        key = headers.get("sec-websocket-key", "")
        if not valid or headers.get("upgrade", "").lower() != "websocket" or not key:
            body = b"invalid or used ticket" if not valid else b"not a websocket upgrade"
            peer.sock.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n"
                              b"Content-Length: " + str(len(body)).encode() + b"\r\n"
                              b"Connection: close\r\n\r\n" + body)
            return False
        accept = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()  # noqa: S324 (RFC 6455 says SHA-1)
        peer.sock.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n")
                          .encode())
        return True

    def _read_loop(self, reader: Any, peer: _Peer) -> None:
        while True:
            opcode, data = _read_frame(reader)
            if opcode == PING:
                peer.send(PONG, data)  # slack_sdk's client reconnects without pongs
            elif opcode == CLOSE:
                peer.send(CLOSE, data[:2])
                return
            elif opcode == TEXT:
                message = json.loads(data.decode())
                with self._lock:
                    self.received.append(message)
                    if isinstance(message, dict) and "envelope_id" in message:
                        self.acks.append(message)
                    self._lock.notify_all()


def _read_frame(reader: Any) -> tuple[int, bytes]:
    """One whole message: (opcode, unmasked payload); continuation frames are joined.

    A control frame arriving between fragments is returned at once and the fragments so far
    dropped: slack_sdk's client never fragments, so the sandbox keeps this simple.
    """
    opcode, parts = 0, []
    while True:
        head = _exactly(reader, 2)
        fin, code, masked, n = head[0] & 0x80, head[0] & 0x0F, head[1] & 0x80, head[1] & 0x7F
        if n == 126:
            n = struct.unpack("!H", _exactly(reader, 2))[0]
        elif n == 127:
            n = struct.unpack("!Q", _exactly(reader, 8))[0]
        mask = _exactly(reader, 4) if masked else b"\0\0\0\0"
        data = bytes(b ^ mask[i % 4] for i, b in enumerate(_exactly(reader, n)))
        if code >= 0x8:
            return code, data
        opcode = opcode or code
        parts.append(data)
        if fin:
            return opcode, b"".join(parts)


def _exactly(reader: Any, n: int) -> bytes:
    data: bytes = reader.read(n)
    if len(data) != n:
        raise ValueError("connection closed mid-frame")
    return data


def _hello(num_connections: int) -> dict[str, Any]:
    return {"type": "hello", "num_connections": num_connections,
            "debug_info": {"host": "sandbox-socket", "build_number": 1,
                           "approximate_connection_time": 18060},
            "connection_info": {"app_id": "A0SANDBOX1"}}
