"""API keys: `Authorization: Bearer <key>` or `X-API-Key: <key>`, compared in constant time, never logged.

With no keys configured at all the API is in local-only mode: it answers loopback clients only (with
admin rights, like the CLI on the same machine), and `coach serve` refuses to listen anywhere else.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.security import APIKeyHeader, HTTPBearer

from coach.api.errors import ApiError
from coach.config import Settings

# Declared for the OpenAPI document (the "Authorize" button); the checks below read the headers themselves.
bearer_scheme = HTTPBearer(
    auto_error=False, description="`Authorization: Bearer <key>` with a key from COACH_API_KEYS or COACH_ADMIN_KEYS."
)
header_scheme = APIKeyHeader(name="X-API-Key", auto_error=False, description="The same key in an `X-API-Key` header.")

HOW = "send `Authorization: Bearer <key>` or `X-API-Key: <key>`"


@dataclass(frozen=True)
class Caller:
    id: str  # "key:<fingerprint>" or "local:<address>": safe to log and to rate-limit by
    admin: bool


def fingerprint(key: str) -> str:
    return "key:" + hashlib.sha256(key.encode()).hexdigest()[:10]


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class KeyRing:
    def __init__(self, settings: Settings) -> None:
        self.user = [k.get_secret_value().encode() for k in settings.api_keys]
        self.admin = [k.get_secret_value().encode() for k in settings.admin_keys]
        self.local_only = not (self.user or self.admin)

    def identify(self, request: Request) -> Caller:
        if self.local_only:
            host = request.client.host if request.client else None
            if not is_loopback(host) or not all(is_loopback(f) for f in forwarded_for(request)):
                raise ApiError(403, "coach is in local-only mode (no API keys configured) and answers only this machine")
            if not is_loopback(request.url.hostname):  # a page on another site reaching us through DNS rebinding
                raise ApiError(403, "coach is in local-only mode and answers only requests addressed to localhost")
            if request.method not in SAFE_METHODS:
                _same_site_json(request)
            return Caller(id=f"local:{host}", admin=True)
        key = presented_key(request)
        if key is None:
            raise ApiError(401, f"missing API key: {HOW}", {"WWW-Authenticate": "Bearer"})
        is_user, is_admin = self._match(key.encode())
        if not (is_user or is_admin):
            raise ApiError(401, "invalid API key", {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        return Caller(id=fingerprint(key), admin=is_admin)

    def _match(self, key: bytes) -> tuple[bool, bool]:
        # Every configured key is compared, so the time taken does not tell which one (nearly) matched.
        is_user = is_admin = False
        for known in self.user:
            is_user |= hmac.compare_digest(key, known)
        for known in self.admin:
            is_admin |= hmac.compare_digest(key, known)
        return is_user, is_admin


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_FOR = re.compile(r"(?i)\bfor\s*=\s*(\"[^\"]*\"|[^;,\s]+)")


def forwarded_for(request: Request) -> list[str]:
    """The addresses a standard `Forwarded` header names (`for=...`), without quotes, brackets or ports.
    uvicorn reads X-Forwarded-For from trusted proxies itself; this header it leaves alone."""
    found = []
    for value in request.headers.getlist("forwarded"):
        for match in _FOR.finditer(value):
            address = match.group(1).strip('"')
            if address.startswith("["):
                address = address[1 : address.find("]")] if "]" in address else address[1:]
            elif address.count(":") == 1:
                address = address.split(":")[0]
            found.append(address)
    return found


def _same_site_json(request: Request) -> None:
    """In local-only mode a page on another site must not drive the API from the user's browser: a request
    that changes or costs something must come from this origin (or no browser at all) and say it is JSON,
    which a cross-site form cannot send without a preflight."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and not is_loopback(_origin_host(origin)):
        raise ApiError(403, "coach is in local-only mode and refuses requests from pages on other sites")
    if origin == "null" or request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        raise ApiError(403, "coach is in local-only mode and refuses requests from pages on other sites")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise ApiError(415, "send the body as JSON (Content-Type: application/json)")


def _origin_host(origin: str) -> str | None:
    try:
        return urlsplit(origin).hostname
    except ValueError:  # "http://[::1" and the like: not an origin we know
        return None


def presented_key(request: Request) -> str | None:
    header = request.headers.get("x-api-key")
    if header and header.strip():
        return header.strip()
    authorization = request.headers.get("authorization")
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise ApiError(401, f"unsupported Authorization header: {HOW}", {"WWW-Authenticate": "Bearer"})
    return value.strip()
