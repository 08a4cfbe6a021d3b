"""Who the passkeys are for: the site's host name and origin (WebAuthn's relying party)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RelyingParty:
    """Who the passkeys are for: the host name (`id`) and the page's origin."""

    id: str
    origin: str
