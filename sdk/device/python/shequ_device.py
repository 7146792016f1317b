#!/usr/bin/env python3
"""Shequ device driver for Python 3.8+ with the standard library only (Linux boards, gateways, Raspberry Pi).

Speaks the same Alink wire format as the Node SDK (`@shequ/device-sdk`): one secret per device (一机一密),
HMAC-signed sign-in, property and event posts answered with a `_reply`, and service calls from the platform.

Two transports:

* ``MqttDevice`` - MQTT 3.1.1 over TCP or TLS (optionally with an X.509 client certificate from the platform's
  device CA instead of the secret), QoS 1 posts, property sets and service calls handled by callbacks.
* ``HttpDevice`` - HTTP(S): ``/auth`` gives a token, ``/topic/sys/{pk}/{dn}/thing/event/.../post`` posts with it;
  the token is renewed when the platform forgets it.

Command line (posts once and prints the platform's reply as JSON)::

    python3 shequ_device.py --url mqtt://127.0.0.1:1884 --product PK --name DN --secret S \\
        --properties '{"smokeDensity": 0.4}'
    python3 shequ_device.py --url http://127.0.0.1:1886 --product PK --name DN --secret S --event smokeAlarm \\
        --value '{"smokeDensity": 3.2}'
"""

import argparse
import hashlib
import hmac
import json
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

__all__ = ["sign", "MqttDevice", "HttpDevice", "PlatformError"]

_ALGORITHMS = {"hmacsha256": hashlib.sha256, "hmacsha1": hashlib.sha1, "hmacmd5": hashlib.md5}


class PlatformError(Exception):
    """A refusal by the platform: bad signature, disabled device, expired token, a topic not allowed..."""

    def __init__(self, message, code=None, status=None):
        super().__init__(message if code is None else "%s (code %s)" % (message, code))
        self.code = code
        self.status = status


def sign(secret, client_id, product_key, device_name, timestamp=None, method="hmacsha256"):
    """Hex HMAC of ``clientId{id}deviceName{dn}productKey{pk}[timestamp{ts}]`` keyed with the device secret."""
    if method not in _ALGORITHMS:
        raise ValueError("sign method must be one of " + ", ".join(sorted(_ALGORITHMS)))
    content = "clientId%sdeviceName%sproductKey%s" % (client_id, device_name, product_key)
    if timestamp is not None:
        content += "timestamp%s" % timestamp
    return hmac.new(secret.encode(), content.encode(), _ALGORITHMS[method]).hexdigest()


def _now_ms():
    return int(time.time() * 1000)


# --- MQTT 3.1.1, the few packets a device needs --------------------------------------------------------------------


def _varint(n):
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _utf8(s):
    b = s.encode("utf-8")
    return struct.pack("!H", len(b)) + b


def _packet(kind, flags, body):
    return bytes([(kind << 4) | flags]) + _varint(len(body)) + body


CONNACK_REASONS = {
    1: "unacceptable protocol version",
    2: "identifier rejected",
    3: "server unavailable",
    4: "bad user name or password",
    5: "not authorized",
}


class MqttDevice:
    """A device on the platform's MQTT gateway.

    ``url`` is ``mqtt://host:port`` or ``mqtts://host:port``. With ``certfile``/``keyfile`` (a certificate from the
    platform's device CA) the device signs in over TLS without its secret; ``cafile`` is the CA that signed the
    gateway's own certificate when it is private.
    """

    def __init__(self, url, product_key, device_name, device_secret=None, sign_method="hmacsha256",
                 cafile=None, certfile=None, keyfile=None, keepalive=60, reply_timeout=5.0):
        u = urllib.parse.urlparse(url)
        if u.scheme not in ("mqtt", "mqtts"):
            raise ValueError("url must be mqtt://host:port or mqtts://host:port")
        if certfile and u.scheme != "mqtts":
            raise ValueError("a client certificate needs an mqtts:// url")
        if not certfile and not device_secret:
            raise ValueError("a device signs in with its secret or a certificate")
        self.host, self.port, self.tls = u.hostname, u.port or (8883 if u.scheme == "mqtts" else 1884), u.scheme == "mqtts"
        self.product_key, self.device_name = product_key, device_name
        self.secret, self.method = device_secret, sign_method
        self.cafile, self.certfile, self.keyfile = cafile, certfile, keyfile
        self.keepalive, self.reply_timeout = keepalive, reply_timeout
        self.base = "/sys/%s/%s" % (product_key, device_name)
        self._sock = None
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()  # the reader thread acknowledges while the caller publishes
        self._packet_id = 0
        self._seq = 0
        self._waiting = {}  # message id -> [event, reply]
        self._acks = {}  # packet id -> event
        self._handlers = {}  # topic -> callable(params) -> data
        self._reader = None
        self._closed = False

    # connection ------------------------------------------------------------------------------------------------

    def connect(self):
        raw = socket.create_connection((self.host, self.port), timeout=10)
        if self.tls:
            ctx = ssl.create_default_context(cafile=self.cafile)
            if self.certfile:
                ctx.load_cert_chain(self.certfile, self.keyfile)
            raw = ctx.wrap_socket(raw, server_hostname=self.host)
        self._sock = raw
        if self.certfile:
            client_id = "%s|securemode=2,authtype=x509|" % self.device_name
            password = None
        else:
            ts = str(_now_ms())
            client_id = "%s|securemode=%d,signmethod=%s,timestamp=%s|" % (
                self.device_name, 2 if self.tls else 3, self.method, ts)
            password = sign(self.secret, self.device_name, self.product_key, self.device_name, ts, self.method)
        flags = 0x02 | 0x80 | (0x40 if password is not None else 0)  # clean session, user name, password
        body = _utf8("MQTT") + bytes([4, flags]) + struct.pack("!H", self.keepalive) + _utf8(client_id)
        body += _utf8("%s&%s" % (self.device_name, self.product_key))
        if password is not None:
            body += _utf8(password)
        self._sock.sendall(_packet(1, 0, body))
        kind, payload, _ = self._read_packet()
        if kind != 2 or len(payload) < 2:
            raise PlatformError("no CONNACK from the gateway")
        if payload[1] != 0:
            raise PlatformError(CONNACK_REASONS.get(payload[1], "connection refused"), code=payload[1])
        self._sock.settimeout(None)
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()
        self._subscribe(self.base + "/thing/event/+/post_reply")
        return self

    def close(self):
        self._closed = True
        if self._sock:
            try:
                self._sock.sendall(_packet(14, 0, b""))
            except OSError:
                pass
            try:
                self._sock.close()
            except OSError:
                pass

    def __enter__(self):
        return self.connect()

    def __exit__(self, *exc):
        self.close()

    # posts ------------------------------------------------------------------------------------------------------

    def post_properties(self, params):
        """Posts property values; answers the platform's reply ``{"id", "code", "message", "data"}``."""
        return self._post("thing/event/property/post", "thing.event.property.post", params)

    def post_event(self, identifier, value, at=None):
        """Posts an event with its output values."""
        return self._post("thing/event/%s/post" % identifier, "thing.event.%s.post" % identifier,
                          {"value": value, "time": at if at is not None else _now_ms()})

    def on_property_set(self, handler):
        """``handler(params) -> dict`` answers ``thing/service/property/set``; an exception answers code 500."""
        self._serve(self.base + "/thing/service/property/set", handler)

    def on_service(self, identifier, handler):
        """``handler(params) -> dict`` answers calls of one service; its result is the reply's ``data``."""
        self._serve("%s/thing/service/%s" % (self.base, identifier), handler)

    # internals --------------------------------------------------------------------------------------------------

    def _next_packet_id(self):
        with self._lock:
            self._packet_id = self._packet_id % 65535 + 1
            return self._packet_id

    def _serve(self, topic, handler):
        self._handlers[topic] = handler
        self._subscribe(topic, qos=1)

    def _subscribe(self, topic, qos=0):
        pid = self._next_packet_id()
        done = threading.Event()
        self._acks[pid] = done
        self._send(_packet(8, 0x02, struct.pack("!H", pid) + _utf8(topic) + bytes([qos])))
        if not done.wait(self.reply_timeout):
            raise PlatformError("no SUBACK for " + topic)

    def _send(self, data):
        with self._send_lock:
            self._sock.sendall(data)

    def _publish(self, topic, payload, qos=1):
        body = _utf8(topic)
        pid = None
        if qos:
            pid = self._next_packet_id()
            self._acks[pid] = threading.Event()
            body += struct.pack("!H", pid)
        self._send(_packet(3, qos << 1, body + payload))
        return pid

    def _post(self, path, method, params):
        with self._lock:
            self._seq += 1
            mid = str(self._seq)
        slot = [threading.Event(), None]
        self._waiting[mid] = slot
        self._publish("%s/%s" % (self.base, path),
                      json.dumps({"id": mid, "version": "1.0", "params": params, "method": method}).encode())
        if not slot[0].wait(self.reply_timeout):
            self._waiting.pop(mid, None)
            raise PlatformError("no reply to message %s within %.1f s" % (mid, self.reply_timeout))
        if slot[1] is None:
            raise PlatformError("the connection closed before the reply to message %s" % mid)
        return slot[1]

    def _read_exact(self, n):
        buf = bytearray()
        while len(buf) < n:
            chunk = self._sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("connection closed by the gateway")
            buf.extend(chunk)
        return bytes(buf)

    def _read_packet(self):
        head = self._read_exact(1)[0]
        length, shift = 0, 0
        while True:
            b = self._read_exact(1)[0]
            length |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        return head >> 4, (self._read_exact(length) if length else b""), head & 0x0F

    def _read_loop(self):
        try:
            while not self._closed:
                kind, payload, flags = self._read_packet()
                if kind in (4, 9):  # PUBACK, SUBACK
                    pid = struct.unpack("!H", payload[:2])[0]
                    ev = self._acks.pop(pid, None)
                    if ev:
                        ev.set()
                elif kind == 3:
                    self._on_publish(payload, flags)
        except (OSError, ConnectionError, ValueError):
            pass
        finally:
            for slot in list(self._waiting.values()):
                slot[0].set()

    def _on_publish(self, payload, flags):
        qos = (flags >> 1) & 0x03
        n = struct.unpack("!H", payload[:2])[0]
        topic = payload[2:2 + n].decode("utf-8")
        rest = payload[2 + n:]
        if qos:
            pid = struct.unpack("!H", rest[:2])[0]
            rest = rest[2:]
            self._send(_packet(4, 0, struct.pack("!H", pid)))
        try:
            body = json.loads(rest.decode("utf-8"))
        except ValueError:
            return
        if topic.endswith("_reply"):
            slot = self._waiting.pop(str(body.get("id")), None)
            if slot:
                slot[1] = body
                slot[0].set()
            return
        handler = self._handlers.get(topic)
        if handler is None:
            return
        try:
            reply = {"id": body.get("id"), "code": 200, "data": handler(body.get("params") or {}) or {}}
        except Exception as err:  # the handler's failure becomes the device's answer
            reply = {"id": body.get("id"), "code": 500, "data": {}, "message": str(err)}
        self._publish(topic + "_reply", json.dumps(reply).encode(), qos=0)


class HttpDevice:
    """A device posting over HTTP(S) to the platform's device listener (``http://host:1886`` by default)."""

    _TOKEN_CODES = (20001, 20002, 20003)

    def __init__(self, url, product_key, device_name, device_secret, sign_method="hmacsha256", cafile=None,
                 timeout=10.0):
        self.url = url.rstrip("/")
        self.product_key, self.device_name, self.secret, self.method = product_key, device_name, device_secret, sign_method
        self.context = ssl.create_default_context(cafile=cafile) if url.startswith("https:") else None
        self.timeout = timeout
        self.token = None
        self._seq = 0
        self.base = "/sys/%s/%s" % (product_key, device_name)

    def _post(self, path, body, headers=None):
        req = urllib.request.Request(self.url + path, data=body, method="POST",
                                     headers=dict({"content-type": "application/json"}, **(headers or {})))
        try:
            with urllib.request.urlopen(req, timeout=self.timeout, context=self.context) as res:
                return res.status, json.loads(res.read().decode("utf-8"))
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read().decode("utf-8") or "{}")

    def authenticate(self):
        ts = str(_now_ms())
        status, body = self._post("/auth", json.dumps({
            "productKey": self.product_key, "deviceName": self.device_name, "clientId": self.device_name,
            "timestamp": ts, "signmethod": self.method,
            "sign": sign(self.secret, self.device_name, self.product_key, self.device_name, ts, self.method),
        }).encode())
        token = (body.get("info") or {}).get("token")
        if status != 200 or not token:
            raise PlatformError(body.get("message", "auth failed"), code=body.get("code"), status=status)
        self.token = token
        return token

    def _topic(self, path, method, params):
        self._seq += 1
        payload = json.dumps({"id": str(self._seq), "version": "1.0", "params": params, "method": method}).encode()
        status, body = self._post("/topic" + self.base + "/" + path, payload, {"password": self.token or self.authenticate()})
        if status == 401 and body.get("code") in self._TOKEN_CODES:
            status, body = self._post("/topic" + self.base + "/" + path, payload, {"password": self.authenticate()})
        if "id" not in body:
            raise PlatformError(body.get("message", "refused"), code=body.get("code"), status=status)
        return body

    def post_properties(self, params):
        return self._topic("thing/event/property/post", "thing.event.property.post", params)

    def post_event(self, identifier, value, at=None):
        return self._topic("thing/event/%s/post" % identifier, "thing.event.%s.post" % identifier,
                           {"value": value, "time": at if at is not None else _now_ms()})


def main(argv=None):
    p = argparse.ArgumentParser(description="Post once to a Shequ platform as a device and print the reply.")
    p.add_argument("--url", required=True, help="mqtt://, mqtts://, http:// or https:// address of the gateway")
    p.add_argument("--product", required=True, help="productKey")
    p.add_argument("--name", required=True, help="deviceName")
    p.add_argument("--secret", help="deviceSecret (not needed with --cert)")
    p.add_argument("--sign-method", default="hmacsha256", choices=sorted(_ALGORITHMS))
    p.add_argument("--cafile", help="CA of the gateway's certificate (private CA)")
    p.add_argument("--cert", help="the device's X.509 certificate (PEM) from the device CA, MQTT over TLS")
    p.add_argument("--key", help="its private key (PEM)")
    p.add_argument("--properties", help="JSON object of property values to post")
    p.add_argument("--event", help="event identifier to post")
    p.add_argument("--value", default="{}", help="JSON object of the event's output values")
    a = p.parse_args(argv)
    if bool(a.properties) == bool(a.event):
        p.error("give either --properties or --event")
    try:
        params = json.loads(a.properties or a.value)
    except ValueError as err:
        p.error("not JSON: %s" % err)
    try:
        if a.url.startswith("http"):
            dev = HttpDevice(a.url, a.product, a.name, a.secret, a.sign_method, a.cafile)
            reply = dev.post_properties(params) if a.properties else dev.post_event(a.event, params)
        else:
            with MqttDevice(a.url, a.product, a.name, a.secret, a.sign_method, a.cafile, a.cert, a.key) as dev:
                reply = dev.post_properties(params) if a.properties else dev.post_event(a.event, params)
    except (PlatformError, OSError, ValueError) as err:
        print(json.dumps({"error": str(err), "code": getattr(err, "code", None)}), file=sys.stderr)
        return 1
    print(json.dumps(reply, ensure_ascii=False))
    return 0 if reply.get("code") == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
