"""Passkeys (WebAuthn, through py_webauthn): create an account, sign in, add a passkey.

Each ceremony's challenge is stored when its options are handed out and deleted by the
first answer that names it, so an answer is accepted once: a replayed registration or
assertion finds no challenge. The library checks the rest: the origin, the relying
party's id, the signature, user presence and the authenticator's counter.
"""

from __future__ import annotations

import binascii
import json
import secrets
from datetime import timedelta
from typing import Any

from peewee import IntegrityError
from webauthn import generate_authentication_options
from webauthn import generate_registration_options
from webauthn import options_to_json
from webauthn import verify_authentication_response
from webauthn import verify_registration_response
from webauthn.helpers import base64url_to_bytes
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import AuthenticatorSelectionCriteria
from webauthn.helpers.structs import PublicKeyCredentialDescriptor
from webauthn.helpers.structs import ResidentKeyRequirement
from webauthn.helpers.structs import UserVerificationRequirement

from avalon.accounts.models import FORMER_PLAYER
from avalon.accounts.models import Account
from avalon.accounts.models import Challenge
from avalon.accounts.models import Passkey
from avalon.accounts.relying_party import RelyingParty
from avalon.protocol.errors import ApiError
from avalon.protocol.names import name_key
from avalon.protocol.names import shape_key
from avalon.store import db
from avalon.store.models import utcnow

RP_NAME = "Avalon"
CHALLENGE_SECONDS = 300  # how long a ceremony may take
TIMEOUT_MS = 120_000  # the browser's own time limit, a hint
# Whatever a malformed credential makes the library or its parsers raise.
BAD_CREDENTIAL = (WebAuthnException, ValueError, KeyError, TypeError, AttributeError)


def refused(status: int = 400) -> ApiError:
    """The one answer to every credential that does not verify (no detail for a forger)."""
    return ApiError("invalid_credential", "the passkey's answer could not be verified", status)


def name_taken(name: str) -> bool:
    """Tell whether an account has this name or one that reads the same."""
    if name_key(name) == name_key(FORMER_PLAYER):
        return True
    with db.unit():
        query = Account.select().where(
            (Account.name_key == name_key(name)) | (Account.shape_key == shape_key(name))
        )
        return bool(query.exists())


def new_challenge(purpose: str, **fields: Any) -> bytes:
    """Store a fresh challenge for one ceremony (dropping expired ones) and return it."""
    challenge = secrets.token_bytes(32)
    now = utcnow()
    with db.write():
        Challenge.delete().where(Challenge.expires_at < now).execute()
        Challenge.create(
            challenge=bytes_to_base64url(challenge),
            purpose=purpose,
            expires_at=now + timedelta(seconds=CHALLENGE_SECONDS),
            **fields,
        )
    return challenge


def take_challenge(credential: object, purpose: str) -> Challenge:
    """The stored challenge an answer names, deleted so that no other answer can use it."""
    try:
        client_data = credential["response"]["clientDataJSON"]  # type: ignore[index]
        named = json.loads(base64url_to_bytes(client_data))["challenge"]
    except (*BAD_CREDENTIAL, binascii.Error):
        raise refused(401 if purpose == "login" else 400) from None
    if not isinstance(named, str) or len(named) > 128:
        raise refused(401 if purpose == "login" else 400)
    with db.write():
        row = Challenge.get_or_none((Challenge.challenge == named) & (Challenge.purpose == purpose))
        taken = row is not None and Challenge.delete().where(Challenge.id == row.id).execute() == 1
    if row is None or not taken or row.expires_at < utcnow():
        raise refused(401 if purpose == "login" else 400)
    return row


def creation_options(
    rp: RelyingParty, name: str, handle: str, challenge: bytes, exclude: list[str]
) -> dict:
    """The options for navigator.credentials.create(), as JSON (base64url)."""
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=RP_NAME,
        user_name=name,
        user_display_name=name,
        user_id=base64url_to_bytes(handle),
        challenge=challenge,
        timeout=TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(known)) for known in exclude
        ],
    )
    return dict(json.loads(options_to_json(options)))


def register_options(rp: RelyingParty, name: str) -> dict:
    """Options to create a new account's first passkey; 409 when the name is taken."""
    if name_taken(name):
        raise ApiError("name_taken", "an account has this name already", 409)
    handle = bytes_to_base64url(secrets.token_bytes(32))
    challenge = new_challenge("register", name=name, user_handle=handle)
    return creation_options(rp, name, handle, challenge, [])


def verify_new(rp: RelyingParty, credential: object, challenge: Challenge) -> Any:
    """The verified registration of an answer to `challenge`, or 400."""
    try:
        return verify_registration_response(
            credential=credential,  # type: ignore[arg-type]
            expected_challenge=base64url_to_bytes(challenge.challenge),
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
        )
    except BAD_CREDENTIAL:
        raise refused() from None


def store_passkey(account_id: int, credential: object, verified: Any) -> Passkey:
    """Keep a verified passkey (inside the caller's write)."""
    transports = credential.get("response", {}).get("transports")  # type: ignore[attr-defined]
    return Passkey.create(
        account=account_id,
        credential_id=bytes_to_base64url(verified.credential_id),
        public_key=bytes_to_base64url(verified.credential_public_key),
        sign_count=verified.sign_count,
        transports=json.dumps(transports) if isinstance(transports, list) else None,
    )


def register(rp: RelyingParty, credential: object) -> Account:
    """Create the account of a verified registration, with its first passkey."""
    challenge = take_challenge(credential, "register")
    verified = verify_new(rp, credential, challenge)
    name = str(challenge.name)
    try:
        with db.write():
            account = Account.create(
                name=name,
                name_key=name_key(name),
                shape_key=shape_key(name),
                user_handle=challenge.user_handle,
            )
            store_passkey(account.id, credential, verified)
    except IntegrityError:
        # Another account took the name meanwhile, or the passkey is known already.
        raise ApiError("name_taken", "an account has this name already", 409) from None
    return account


def login_options(rp: RelyingParty) -> dict:
    """Options for navigator.credentials.get(): any passkey of this site (discoverable)."""
    options = generate_authentication_options(
        rp_id=rp.id,
        challenge=new_challenge("login"),
        timeout=TIMEOUT_MS,
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return dict(json.loads(options_to_json(options)))


def login(rp: RelyingParty, credential: object) -> Account:
    """The account a verified assertion signs in (its counter moves on), or 401."""
    challenge = take_challenge(credential, "login")
    try:
        credential_id = str(credential["id"])  # type: ignore[index]
    except BAD_CREDENTIAL:
        raise refused(401) from None
    with db.unit():
        passkey = Passkey.get_or_none(Passkey.credential_id == credential_id)
        account = None if passkey is None else Account.get_by_id(passkey.account_id)
    if passkey is None or account is None:
        raise refused(401)
    handle = credential.get("response", {}).get("userHandle")  # type: ignore[attr-defined]
    if handle and handle.rstrip("=") != account.user_handle:
        raise refused(401)  # a passkey answering for another user than its own
    try:
        verified = verify_authentication_response(
            credential=credential,  # type: ignore[arg-type]
            expected_challenge=base64url_to_bytes(challenge.challenge),
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            credential_public_key=base64url_to_bytes(passkey.public_key),
            credential_current_sign_count=passkey.sign_count,
        )
    except BAD_CREDENTIAL:
        raise refused(401) from None
    with db.write():
        # Only a counter that moved on is kept: a concurrent older answer cannot lower it.
        Passkey.update(sign_count=verified.new_sign_count, last_used_at=utcnow()).where(
            (Passkey.id == passkey.id) & (Passkey.sign_count == passkey.sign_count)
        ).execute()
    return account


def add_options(rp: RelyingParty, account: Account) -> dict:
    """Options to add another passkey to a signed-in account."""
    with db.unit():
        known = [row.credential_id for row in Passkey.select().where(Passkey.account == account.id)]
    challenge = new_challenge("add", account=account.id)
    return creation_options(rp, account.name, account.user_handle, challenge, known)


def add(rp: RelyingParty, account: Account, credential: object) -> Passkey:
    """Keep a verified new passkey of the signed-in account."""
    challenge = take_challenge(credential, "add")
    if challenge.account_id != account.id:
        raise refused()  # options handed to another account's session
    verified = verify_new(rp, credential, challenge)
    try:
        with db.write():
            return store_passkey(account.id, credential, verified)
    except IntegrityError:
        raise ApiError("passkey_known", "this passkey is registered already", 409) from None
