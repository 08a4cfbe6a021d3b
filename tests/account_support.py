"""Accounts in the tests: a passkey authenticator in software, and a browser's cookie jar.

`Authenticator` answers WebAuthn options as a platform authenticator does (P-256 keys,
"none" attestation), and can be told to lie (another origin, a bad signature, an old
counter) so that the tests can forge what an attacker would send. `Browser` keeps the
account cookie and sends the page's forgery header, as the page does.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import struct
import urllib.error
import urllib.request
import uuid
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from tests.support import ServerProcess

COOKIE = "avalon_account"
PAGE_HEADERS = {"X-Requested-With": "avalon"}


def b64(data: bytes) -> str:
    """base64url without padding, as WebAuthn's JSON has it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    """The bytes of base64url text."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Authenticator:
    """One passkey in software: a P-256 key, a credential id, a counter."""

    def __init__(self, origin: str, rp_id: str) -> None:
        self.origin = origin
        self.rp_id = rp_id
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(16)
        self.counter = 0
        self.user_handle: str | None = None

    def copy(self) -> Authenticator:
        """The same passkey on a second device (synced), sharing nothing else."""
        twin = Authenticator(self.origin, self.rp_id)
        twin.key, twin.credential_id = self.key, self.credential_id
        twin.counter, twin.user_handle = self.counter, self.user_handle
        return twin

    def auth_data(self, flags: int, attested: bytes = b"") -> bytes:
        """authenticatorData: the relying party's hash, flags, the counter, and more."""
        rp_hash = hashlib.sha256(self.rp_id.encode()).digest()
        return rp_hash + bytes([flags]) + struct.pack(">I", self.counter) + attested

    def client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        """clientDataJSON as the browser writes it."""
        data = {"type": kind, "challenge": challenge, "origin": origin or self.origin}
        return json.dumps({**data, "crossOrigin": False}).encode()

    def create(self, options: dict, origin: str | None = None) -> dict:
        """Answer creation options (navigator.credentials.create) with a new passkey."""
        self.user_handle = options["user"]["id"]
        numbers = self.key.public_key().public_numbers()
        cose = {1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32), -3: numbers.y.to_bytes(32)}
        attested = bytes(16) + struct.pack(">H", len(self.credential_id)) + self.credential_id
        auth_data = self.auth_data(0x45, attested + cbor2.dumps(cose))  # UP, UV, AT
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self.client_data("webauthn.create", options["challenge"], origin)
        response = {"attestationObject": b64(attestation), "transports": ["internal"]}
        return self.credential(client_data, response)

    def credential(self, client_data: bytes, response: dict) -> dict:
        """The PublicKeyCredential's JSON, as the page posts it."""
        return {
            "id": b64(self.credential_id),
            "rawId": b64(self.credential_id),
            "type": "public-key",
            "response": {"clientDataJSON": b64(client_data), **response},
            "clientExtensionResults": {},
        }

    def get(
        self,
        options: dict,
        origin: str | None = None,
        counter_step: int = 1,
        tamper: bool = False,
        user_handle: str | None = None,
    ) -> dict:
        """Answer request options (navigator.credentials.get) with an assertion."""
        self.counter += counter_step
        auth_data = self.auth_data(0x05)  # UP, UV
        client_data = self.client_data("webauthn.get", options["challenge"], origin)
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = self.key.sign(signed, ec.ECDSA(hashes.SHA256()))
        if tamper:
            signature = self.key.sign(signed + b"x", ec.ECDSA(hashes.SHA256()))
        response = {
            "authenticatorData": b64(auth_data),
            "signature": b64(signature),
            "userHandle": user_handle or self.user_handle,
        }
        return self.credential(client_data, response)


class Browser:
    """One browser talking to the API: its account cookie and its device id."""

    def __init__(self, server: ServerProcess, origin: str | None = None) -> None:
        self.server = server
        self.origin = origin or server.url
        self.cookie: str | None = None
        self.set_cookies: list[str] = []  # every Set-Cookie header received
        self.device = uuid.uuid4().hex

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        page: bool = True,
    ) -> tuple[int, Any]:
        """Send a request as the page would (`page`: with its forgery header)."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.server.url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        for name, value in {**(PAGE_HEADERS if page else {}), **(headers or {})}.items():
            request.add_header(name, value)
        if self.cookie is not None:
            request.add_header("Cookie", f"{COOKIE}={self.cookie}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, text, got = response.status, response.read().decode(), response.headers
        except urllib.error.HTTPError as error:
            with error:
                status, text, got = error.code, error.read().decode(), error.headers
        for header in got.get_all("Set-Cookie") or []:
            self.set_cookies.append(header)
            match = re.match(rf"{COOKIE}=([^;]*)", header)
            if match:
                self.cookie = match.group(1) or None
        try:
            return status, json.loads(text) if text else None
        except ValueError:
            return status, text

    def register(self, name: str, authenticator: Authenticator) -> dict:
        """Create an account with a new passkey; the browser is signed in."""
        status, options = self.request("POST", "/api/accounts/register/options", {"name": name})
        assert status == 200, options
        status, body = self.request("POST", "/api/accounts/register", authenticator.create(options))
        assert status == 201, body
        return body

    def login(self, authenticator: Authenticator, **lies: Any) -> tuple[int, Any]:
        """Sign in with a passkey (told to lie by `lies`)."""
        status, options = self.request("POST", "/api/accounts/login/options", {})
        assert status == 200, options
        return self.request("POST", "/api/accounts/login", authenticator.get(options, **lies))

    def me(self) -> dict:
        """The signed-in account."""
        status, body = self.request("GET", "/api/accounts/me")
        assert status == 200, body
        return body

    def create_room(self, name: str) -> dict:
        """Create a room as this browser (signed in: the seat is the account's)."""
        body = {"display_name": name, "device": self.device}
        status, seat = self.request("POST", "/api/rooms", body)
        assert status == 201, seat
        return seat

    def join(self, code: str, name: str) -> dict:
        """Join a room as this browser."""
        body = {"display_name": name, "device": self.device}
        status, seat = self.request("POST", f"/api/rooms/{code}/join", body)
        assert status == 201, seat
        return seat


def signed_up(server: ServerProcess, name: str | None = None) -> tuple[Browser, Authenticator]:
    """A browser signed in to a new account (a unique name unless given)."""
    browser = Browser(server)
    authenticator = Authenticator(server.url, "127.0.0.1")
    browser.register(name or f"P{uuid.uuid4().hex[:10]}", authenticator)
    return browser, authenticator
