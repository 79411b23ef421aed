#!/usr/bin/python3
"""A small imlink client in Python, written from the wire protocol alone.

It speaks the protocol of ``protocol/src/main/protobuf/imlink/v1/imlink.proto`` over TCP and the
server's signed HTTP API, with nothing but the Python 3.11 standard library and protobuf's Python
runtime (Debian: ``apt-get install -y python3-protobuf protobuf-compiler``; run it with
``/usr/bin/python3``, the interpreter those packages install into). The message classes are not
committed: :func:`load_protocol` runs ``protoc`` on the repository's ``imlink.proto`` into a
temporary directory and imports the result.

The pieces, each usable on its own:

* :func:`get_token` -- what an app backend does: ``POST /user/getToken.json``, signed with the app
  secret, answers the user's token.
* :class:`Client` -- one TCP session: ``Client.connect`` (ConnectRequest -> ConnectAck), ``ping``,
  ``publish`` (-> PublishAck), ``sync`` (the inbox after a cursor, page by page while ``left`` > 0),
  ``receive`` (live deliveries), ``deliver_ack`` and ``close``.
* :func:`unseen` -- the messages of a Deliver that are new for a cursor. The cursor (the highest
  inbox ``seq`` stored) is the caller's: keep it with the stored messages, acknowledge it, and sync
  from it after a reconnect.

TCP framing: every frame is one serialised ``imlink.v1.Frame``, prefixed by its length as a
protobuf unsigned varint32 (1 to 5 bytes); no frame is larger than 256 KiB.

Run ``/usr/bin/python3 imlink_client.py --help`` for the command line (token, send, listen and the
scripted ``scenario`` that the Java test ``PythonClientTest`` drives).
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import importlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

PROTOCOL_VERSION = 1
SDK_VERSION = "imlink-python/0.1.0"
#: The largest frame either side sends or accepts (the length prefix not counted).
MAX_FRAME_BYTES = 256 * 1024
#: The most messages a sync page holds.
SYNC_PAGE_SIZE = 200
#: Content at most 128 KB of UTF-8; ids and object names 1 to 64 UTF-8 bytes.
MAX_CONTENT_BYTES = 128 * 1024
MAX_ID_BYTES = 64

DEBIAN_PACKAGES = "apt-get install -y python3-protobuf protobuf-compiler"
#: Where imlink.proto lives in this repository (clients/python/ -> protocol/src/main/protobuf).
DEFAULT_PROTO_DIR = Path(__file__).resolve().parents[2] / "protocol" / "src" / "main" / "protobuf"


class ImlinkError(Exception):
    """Base of this module's errors."""


class SetupError(ImlinkError):
    """protoc or the protobuf runtime is missing, or imlink.proto cannot be compiled."""


class ApiError(ImlinkError):
    """The HTTP API refused a call: HTTP status, API code (1004 bad signature, 1002 bad parameter…)."""

    def __init__(self, status: int, code: int | None, message: str):
        super().__init__(f"HTTP {status}, code {code}: {message}")
        self.status, self.code, self.message = status, code, message


class ConnectRefused(ImlinkError):
    """The server answered the ConnectRequest with a non-zero code (and closed the connection)."""

    def __init__(self, code: int, reason: str, retry_after_ms: int):
        super().__init__(f"connect refused with {code}: {reason}"
                         + (f" (retry after {retry_after_ms} ms)" if retry_after_ms else ""))
        self.code, self.reason, self.retry_after_ms = code, reason, retry_after_ms


class Disconnected(ImlinkError):
    """The session ended: the server sent Disconnect (``code`` set) or closed the connection (``code`` None)."""

    def __init__(self, code: int | None, reason: str, retry_after_ms: int = 0):
        super().__init__(reason if code is None else f"disconnected by the server with {code}: {reason}")
        self.code, self.reason, self.retry_after_ms = code, reason, retry_after_ms


class ProtocolError(ImlinkError):
    """The peer broke the framing or the protocol (the connection is closed)."""


# ---- the generated message classes -------------------------------------------------------------

_protocol = None


def load_protocol(proto_dir: str | os.PathLike | None = None):
    """Compiles imlink/v1/imlink.proto with protoc into a temporary directory and imports it.

    Returns the generated module (``imlink_pb2``: ``Frame``, ``ConnectRequest``…); later calls return
    the same module. ``proto_dir`` is the include root holding ``imlink/v1/imlink.proto`` (default:
    this repository's ``protocol/src/main/protobuf``).
    """
    global _protocol
    if _protocol is not None:
        return _protocol
    try:
        import google.protobuf  # noqa: F401  (checked first, for a clear message)
    except ImportError as e:
        raise SetupError(f"{sys.executable} has no protobuf runtime (google.protobuf): {DEBIAN_PACKAGES}, "
                         "then run this with /usr/bin/python3") from e
    protoc = shutil.which("protoc")
    if protoc is None:
        raise SetupError(f"protoc is not on PATH: {DEBIAN_PACKAGES}")
    root = Path(proto_dir) if proto_dir is not None else DEFAULT_PROTO_DIR
    proto = root / "imlink" / "v1" / "imlink.proto"
    if not proto.is_file():
        raise SetupError(f"no imlink.proto at {proto}: pass the directory holding imlink/v1/imlink.proto")
    with tempfile.TemporaryDirectory(prefix="imlink-pb-") as out:
        run = subprocess.run([protoc, f"--python_out={out}", f"-I{root}", str(proto)],
                             capture_output=True, text=True)
        if run.returncode != 0:
            raise SetupError(f"protoc failed on {proto} (exit {run.returncode}): {run.stderr.strip()}")
        sys.path.insert(0, out)
        try:
            _protocol = importlib.import_module("imlink.v1.imlink_pb2")
        except ImportError as e:  # e.g. a protobuf runtime older than the protoc that generated the code
            raise SetupError(f"cannot import the code protoc generated ({e}); the protobuf runtime and "
                             f"protoc must match: {DEBIAN_PACKAGES}") from e
        finally:
            sys.path.remove(out)
    return _protocol


# ---- the signed HTTP API -----------------------------------------------------------------------

def signature(app_secret: str, nonce: str, timestamp: str) -> str:
    """Lower-case hex SHA1(app secret + nonce + timestamp): the API's ``Signature`` header."""
    return hashlib.sha1((app_secret + nonce + timestamp).encode("utf-8")).hexdigest()


def api_call(api_url: str, path: str, app_key: str, app_secret: str, form: dict, timeout: float = 10.0) -> dict:
    """POSTs a signed, form-encoded call to the server API; returns the JSON answer (code 200).

    Raises :class:`ApiError` for any other answer.
    """
    nonce = f"{secrets.randbelow(100_000)}.{secrets.randbelow(10 ** 10):010d}"  # random, never reused
    timestamp = str(int(time.time()))  # seconds since the epoch
    request = urllib.request.Request(
        api_url.rstrip("/") + path, method="POST", data=urllib.parse.urlencode(form).encode("ascii"),
        headers={"App-Key": app_key, "Nonce": nonce, "Timestamp": timestamp,
                 "Signature": signature(app_secret, nonce, timestamp),
                 "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as e:
        status, body = e.code, e.read()
    except urllib.error.URLError as e:
        raise ImlinkError(f"cannot reach the server API at {request.full_url}: {e.reason}") from None
    try:
        answer = json.loads(body)
    except ValueError:
        raise ApiError(status, None, f"not a JSON answer: {body[:200]!r}") from None
    if answer.get("code") != 200:
        raise ApiError(status, answer.get("code"), answer.get("errorMessage", "no errorMessage"))
    return answer


def get_token(api_url: str, app_key: str, app_secret: str, user_id: str) -> str:
    """Gets ``user_id``'s token from ``POST {api_url}/user/getToken.json``, as an app backend does."""
    _check_id("user_id", user_id)
    answer = api_call(api_url, "/user/getToken.json", app_key, app_secret, {"userId": user_id})
    token = answer.get("token")
    if not token:
        raise ApiError(200, 200, f"no token in the answer {answer}")
    return token


# ---- the TCP session ---------------------------------------------------------------------------

def _check_id(name: str, value: str) -> None:
    if not isinstance(value, str) or not 1 <= len(value.encode("utf-8")) <= MAX_ID_BYTES:
        raise ValueError(f"{name} must be a string of 1 to {MAX_ID_BYTES} UTF-8 bytes, got {value!r}")


def encode_varint32(n: int) -> bytes:
    """``n`` as a protobuf unsigned varint (7 bits a byte, low first, high bit = more follows)."""
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def unseen(deliver, cursor: int) -> list:
    """The messages of ``deliver`` not yet stored by a client whose cursor is ``cursor``.

    A Deliver may repeat messages already seen (after a lost DeliverAck, or a sync that overlaps
    live pushes): the inbox ``seq`` tells them apart, since it increases per recipient.
    """
    return [m for m in deliver.messages if m.seq > cursor]


class Client:
    """One session with an imlink server over TCP. Not thread-safe: use it from one thread.

    Frames that arrive while a call waits for its answer are kept: Deliver frames for
    :meth:`receive`; a Ping from the server is answered at once; a Disconnect raises
    :class:`Disconnected`. While waiting, the client pings the server whenever it has sent nothing
    for the heartbeat interval the server announced; there is no background thread, so a caller that
    makes no call for longer than the server's idle limit (3 heartbeat intervals) is disconnected.
    """

    DEVICE_CLASSES = ("UNSPECIFIED", "MOBILE", "DESKTOP", "WEB")

    def __init__(self, sock: socket.socket, pb, ack):
        self._sock, self.pb, self.ack = sock, pb, ack
        self._buffer = bytearray()
        self._deliveries = collections.deque()  # Deliver frames not handed out yet
        self._next_ping_id = 1
        self._last_sent = time.monotonic()
        self._closed = False

    # -- connecting

    @classmethod
    def connect(cls, host: str, port: int, *, app_key: str, token: str, device_id: str,
                device_class: str = "DESKTOP", reconnect: bool = False, first_login_time_ms: int = 0,
                sdk_version: str = SDK_VERSION, timeout: float = 10.0, pb=None) -> "Client":
        """Opens a TCP connection, sends the ConnectRequest and waits for the ConnectAck.

        ``reconnect`` is for re-establishing a session that dropped (with the first session's
        ``ack.server_time_ms`` as ``first_login_time_ms``); a session the app starts is not one.
        Returns the connected client (its ``ack`` is the ConnectAck); raises :class:`ConnectRefused`
        for a non-zero code, ``OSError`` when the server cannot be reached.
        """
        _check_id("app_key", app_key)
        _check_id("device_id", device_id)
        if not token:
            raise ValueError("token must not be empty")
        if device_class not in cls.DEVICE_CLASSES:
            raise ValueError(f"device_class must be one of {cls.DEVICE_CLASSES}, got {device_class!r}")
        pb = pb or load_protocol()
        sock = socket.create_connection((host, port), timeout=timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        client = cls(sock, pb, None)
        try:
            client._send(pb.Frame(connect_request=pb.ConnectRequest(
                protocol_version=PROTOCOL_VERSION, app_key=app_key, token=token, sdk_version=sdk_version,
                device_id=device_id, device_class=pb.DeviceClass.Value("DEVICE_CLASS_" + device_class),
                reconnect=reconnect, first_login_time_ms=first_login_time_ms)))
            ack = client._await("connect_ack", timeout).connect_ack
        except BaseException:
            client._close_socket()
            raise
        if ack.code != 0:
            client._close_socket()
            raise ConnectRefused(ack.code, ack.reason, ack.retry_after_ms)
        client.ack = ack
        return client

    @property
    def user_id(self) -> str:
        return self.ack.user_id

    # -- requests

    def ping(self, timeout: float = 10.0):
        """Sends a Ping and returns the server's Pong (same id)."""
        ping_id = self._ping()
        while True:
            pong = self._await("pong", timeout).pong
            if pong.id == ping_id:
                return pong

    def publish(self, to_user_id: str, object_name: str, content: str, *, client_message_id: str | None = None,
                timeout: float = 10.0):
        """Sends a message and returns the server's PublishAck (``code`` 0: stored, with ``message_id``).

        Resending after a lost connection with the same ``client_message_id`` stores it only once.
        """
        _check_id("to_user_id", to_user_id)
        _check_id("object_name", object_name)
        if not isinstance(content, str) or len(content.encode("utf-8")) > MAX_CONTENT_BYTES:
            raise ValueError(f"content must be a string of at most {MAX_CONTENT_BYTES} UTF-8 bytes")
        client_message_id = client_message_id or str(uuid.uuid4())
        _check_id("client_message_id", client_message_id)
        self._send(self.pb.Frame(publish=self.pb.Publish(
            client_message_id=client_message_id, to_user_id=to_user_id, object_name=object_name, content=content,
            client_time_ms=int(time.time() * 1000))))
        while True:
            ack = self._await("publish_ack", timeout).publish_ack
            if ack.client_message_id == client_message_id:
                return ack

    def sync(self, after_seq: int, *, limit: int = SYNC_PAGE_SIZE, timeout: float = 30.0):
        """Yields the inbox after ``after_seq`` as Deliver pages (``offline`` True), asking for the
        next page after the last ``seq`` received while ``left`` is not 0.

        Once a page says nothing is left, the server pushes new messages live: :meth:`receive`.
        Store each page's messages (see :func:`unseen`) and :meth:`deliver_ack` them as you go.
        """
        if after_seq < 0 or not 1 <= limit <= SYNC_PAGE_SIZE:
            raise ValueError(f"after_seq must be >= 0 and limit 1 to {SYNC_PAGE_SIZE}")
        cursor = after_seq
        while True:
            self._send(self.pb.Frame(sync_request=self.pb.SyncRequest(after_seq=cursor, limit=limit)))
            page = self._await_sync_page(timeout)
            yield page
            if page.left == 0:
                return
            if not page.messages:
                raise ProtocolError(f"an empty sync page with {page.left} left")
            cursor = page.messages[-1].seq

    def receive(self, timeout: float):
        """Waits up to ``timeout`` seconds for the next Deliver (live, or kept from earlier); None if none came."""
        if self._deliveries:
            return self._deliveries.popleft()
        try:
            return self._await("deliver", timeout).deliver
        except TimeoutError:
            return None

    def deliver_ack(self, up_to_seq: int) -> None:
        """Tells the server that every message up to ``up_to_seq`` is stored on this client."""
        self._send(self.pb.Frame(deliver_ack=self.pb.DeliverAck(up_to_seq=up_to_seq)))

    def close(self) -> None:
        """Ends the session in order (Disconnect code 0) and closes the connection. Idempotent."""
        if self._closed:
            return
        try:
            self._send(self.pb.Frame(disconnect=self.pb.Disconnect(code=0, reason="sign-out")))
        except OSError:
            pass  # already gone
        self._close_socket()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- frames

    def _close_socket(self) -> None:
        self._closed = True
        try:
            self._sock.close()
        except OSError:
            pass

    def _send(self, frame) -> None:
        if self._closed:
            raise Disconnected(None, "the client is closed")
        body = frame.SerializeToString()
        if len(body) > MAX_FRAME_BYTES:
            raise ValueError(f"a {frame.WhichOneof('body')} frame of {len(body)} bytes is over {MAX_FRAME_BYTES}")
        self._sock.sendall(encode_varint32(len(body)) + body)
        self._last_sent = time.monotonic()

    def _ping(self) -> int:
        ping_id, self._next_ping_id = self._next_ping_id, self._next_ping_id + 1
        self._send(self.pb.Frame(ping=self.pb.Ping(id=ping_id)))
        return ping_id

    def _await_sync_page(self, timeout: float):
        """The answer to a SyncRequest: the next Deliver with ``offline`` True (live ones are kept)."""
        deadline = time.monotonic() + timeout
        while True:
            deliver = self._await("deliver", max(0.0, deadline - time.monotonic()), keep_deliveries=False).deliver
            if deliver.offline:
                return deliver
            self._deliveries.append(deliver)

    def _await(self, body: str, timeout: float, keep_deliveries: bool = True):
        """Reads frames until one with ``body`` arrives; raises TimeoutError after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            frame = self._read_frame(deadline)
            kind = frame.WhichOneof("body")
            if kind == body:
                return frame
            if kind == "deliver" and keep_deliveries:
                self._deliveries.append(frame.deliver)
            elif kind == "ping":
                self._send(self.pb.Frame(pong=self.pb.Pong(id=frame.ping.id, time_ms=int(time.time() * 1000))))
            elif kind == "disconnect":
                d = frame.disconnect
                self._close_socket()
                raise Disconnected(d.code, d.reason, d.retry_after_ms)
            # Anything else (a late Pong or PublishAck, a body of a later version) is ignored.

    def _read_frame(self, deadline: float):
        """The next whole frame, decoded; pings the server when idle for its heartbeat interval."""
        while True:
            frame = self._take_frame()
            if frame is not None:
                return frame
            now = time.monotonic()
            if now >= deadline:
                raise TimeoutError("no answer from the server in time")
            wait = deadline - now
            heartbeat = self.ack.heartbeat_interval_ms / 1000 if self.ack and self.ack.heartbeat_interval_ms else 0
            if heartbeat:
                if now - self._last_sent >= heartbeat:
                    self._ping()
                wait = min(wait, max(0.01, self._last_sent + heartbeat - now))
            self._sock.settimeout(None if wait == float("inf") else wait)
            try:
                chunk = self._sock.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                self._close_socket()
                raise Disconnected(None, "the server closed the connection")
            self._buffer += chunk

    def _take_frame(self):
        """Cuts one frame off the read buffer, or None while it is incomplete."""
        length, shift, i = 0, 0, 0
        while True:
            if i >= len(self._buffer):
                return None  # the prefix is not complete yet
            if i == 5:
                raise self._broken("a frame length prefix longer than 5 bytes")
            b = self._buffer[i]
            length |= (b & 0x7F) << shift
            shift, i = shift + 7, i + 1
            if not b & 0x80:
                break
        if length > MAX_FRAME_BYTES:
            raise self._broken(f"a frame of {length} bytes announced, over {MAX_FRAME_BYTES}")
        if len(self._buffer) < i + length:
            return None
        body = bytes(self._buffer[i:i + length])
        del self._buffer[:i + length]
        frame = self.pb.Frame()
        try:
            frame.ParseFromString(body)
        except Exception as e:  # google.protobuf.message.DecodeError
            raise self._broken(f"an undecodable frame: {e}") from e
        return frame

    def _broken(self, what: str) -> ProtocolError:
        self._close_socket()
        return ProtocolError(f"the server sent {what}; connection closed")


# ---- the command line --------------------------------------------------------------------------

def _emit(event: str, **fields) -> None:
    """One machine-readable line on stdout: a JSON object with ``event`` first."""
    print(json.dumps({"event": event, **fields}), flush=True)


def _message_fields(m) -> dict:
    return {"seq": m.seq, "message_id": m.message_id, "from": m.from_user_id, "object_name": m.object_name,
            "content": m.content, "client_message_id": m.client_message_id, "order": m.order}


def _host_port(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT with a port from 1 to 65535, got {value!r}")
    return host.strip("[]"), int(port)


class _Session:
    """What the command line keeps for one user: the token, the cursor, and the stored messages."""

    def __init__(self, args):
        self.args = args
        self.token = get_token(args.api, args.app_key, args.app_secret, args.user)
        self.cursor = args.cursor
        self.stored = []
        self.client = None

    def connect(self) -> Client:
        host, port = self.args.tcp
        self.client = Client.connect(host, port, app_key=self.args.app_key, token=self.token,
                                     device_id=self.args.device_id, pb=load_protocol(self.args.proto_dir))
        a = self.client.ack
        _emit("connected", code=a.code, user_id=a.user_id, session_id=a.session_id,
              heartbeat_interval_ms=a.heartbeat_interval_ms)
        return self.client

    def store(self, deliver) -> None:
        """Stores (here: prints) the new messages of a Deliver, then acknowledges them."""
        new = unseen(deliver, self.cursor)
        for m in new:
            self.stored.append(m)
            _emit("message", **_message_fields(m), offline=deliver.offline)
        if len(new) < len(deliver.messages):
            _emit("duplicates", count=len(deliver.messages) - len(new), cursor=self.cursor)
        if new:
            self.cursor = new[-1].seq
            self.client.deliver_ack(self.cursor)
            _emit("acked", up_to_seq=self.cursor)

    def sync(self) -> None:
        for page in self.client.sync(self.cursor):
            _emit("page", count=len(page.messages), left=page.left, offline=page.offline,
                  first_seq=page.messages[0].seq if page.messages else None,
                  last_seq=page.messages[-1].seq if page.messages else None)
            self.store(page)
        _emit("synced", cursor=self.cursor)

    def receive(self, count: int, timeout: float) -> None:
        """Stores live deliveries until ``count`` new messages came; fails after ``timeout`` seconds."""
        deadline, before = time.monotonic() + timeout, len(self.stored)
        while len(self.stored) - before < count:
            deliver = self.client.receive(max(0.0, deadline - time.monotonic()))
            if deliver is None:
                raise TimeoutError(f"{len(self.stored) - before} of {count} live messages came within {timeout} s")
            self.store(deliver)

    def close(self) -> None:
        self.client.close()
        _emit("closed", cursor=self.cursor)


def _wait_for_line(step: str) -> None:
    """Says READY for ``step`` and waits for a line on stdin (the driver's go-ahead)."""
    _emit("ready", step=step)
    if not sys.stdin.readline():
        raise ImlinkError(f"stdin closed while waiting to go on after {step!r}")


def run_scenario(args) -> None:
    """The scripted session PythonClientTest drives; every step prints JSON lines (the test reads them).

    token, connect, ping, sync (the inbox is empty), publish to the peer, one live message, close;
    after a line on stdin: reconnect, sync the backlog from the cursor, one more live message, close.
    """
    s = _Session(args)
    _emit("token", user_id=args.user, length=len(s.token))
    s.connect()
    pong = s.client.ping()
    _emit("pong", id=pong.id, time_ms=pong.time_ms)
    s.sync()
    content = json.dumps({"content": "hello from python, gr\u00fc\u00dfe \u2713"}, ensure_ascii=False)
    ack = s.client.publish(args.peer, "RC:TxtMsg", content)
    _emit("publish_ack", client_message_id=ack.client_message_id, code=ack.code, message_id=ack.message_id,
          order=ack.order, server_time_ms=ack.server_time_ms, to=args.peer, content=content)
    _emit("ready", step="live")  # the driver sends one message now
    s.receive(1, args.timeout)
    s.close()
    _wait_for_line("offline")  # the driver sends the backlog, then a line
    s.connect()
    s.sync()
    _emit("ready", step="live-again")
    s.receive(1, args.timeout)
    s.close()
    _emit("done", cursor=s.cursor, stored=len(s.stored))


def run_listen(args) -> None:
    """Syncs from --cursor, then prints live messages until --count came (or forever)."""
    s = _Session(args)
    s.connect()
    s.sync()
    try:
        while args.count is None or len(s.stored) < args.count:
            s.receive(1, float("inf") if args.count is None else args.timeout)
    finally:
        s.close()


def run_send(args) -> None:
    """Sends one text message and prints its PublishAck."""
    s = _Session(args)
    s.connect()
    content = json.dumps({"content": args.text}, ensure_ascii=False)
    ack = s.client.publish(args.to, "RC:TxtMsg", content)
    _emit("publish_ack", client_message_id=ack.client_message_id, code=ack.code, message_id=ack.message_id,
          order=ack.order, to=args.to, content=content)
    s.close()
    if ack.code != 0:
        raise ImlinkError(f"the server refused the message with {ack.code}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="An imlink client written from the wire protocol. Every "
                                     "command prints JSON lines on stdout.")
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name, help_text, run):
        p = commands.add_parser(name, help=help_text)
        p.set_defaults(run=run)
        p.add_argument("--api", default="http://127.0.0.1:8080", help="the server's HTTP API (default: %(default)s)")
        p.add_argument("--app-key", required=True)
        p.add_argument("--app-secret", required=True, help="the app secret (the client gets its token itself)")
        p.add_argument("--user", required=True, help="this client's user id")
        if name != "token":
            p.add_argument("--tcp", type=_host_port, default=("127.0.0.1", 8100),
                           help="HOST:PORT of the server's tcp:// listener (default: 127.0.0.1:8100)")
            p.add_argument("--device-id", default="python-" + socket.gethostname()[:40],
                           help="this installation's id (default: python-HOSTNAME)")
            p.add_argument("--cursor", type=int, default=0, help="the last inbox seq already stored (default: 0)")
            p.add_argument("--proto-dir", default=None,
                           help="the directory holding imlink/v1/imlink.proto (default: this repository's)")
            p.add_argument("--timeout", type=float, default=30.0,
                           help="seconds to wait for an expected message (default: %(default)s)")
        return p

    command("token", "get the user's token through the signed HTTP API and print it",
            lambda a: _emit("token", user_id=a.user, token=get_token(a.api, a.app_key, a.app_secret, a.user)))
    send = command("send", "send one text message", run_send)
    send.add_argument("--to", required=True, help="the recipient's user id")
    send.add_argument("--text", required=True, help="the text (sent as RC:TxtMsg content {\"content\": TEXT})")
    command("listen", "sync the inbox, then print live messages", run_listen).add_argument(
        "--count", type=int, default=None, help="stop after this many messages (default: never)")
    command("scenario", "the scripted session PythonClientTest drives", run_scenario).add_argument(
        "--peer", required=True, help="the user to message")
    args = parser.parse_args(argv)
    try:
        args.run(args)
    except KeyboardInterrupt:
        return 130
    except (ImlinkError, OSError, ValueError) as e:
        _emit("error", type=type(e).__name__, message=str(e))
        print(f"imlink_client: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
