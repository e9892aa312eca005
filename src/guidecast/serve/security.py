"""What every request to `guidecast serve` passes before it reaches the app.

One ASGI middleware, in this order:

1. Host: on 127.0.0.1 only the loopback names are answered, so a web page whose domain is
   rebound to 127.0.0.1 (DNS rebinding) cannot read the app through the user's browser.
2. Token (with --lan): the first URL carries `?token=...`; it is checked in constant time, kept
   in an HttpOnly SameSite=Strict cookie, and the browser is sent on to the same URL without it
   (so it stays out of history and Referer). Without the token or the cookie: 403.
3. Cross-site POSTs: a POST must come from a page of this origin (Origin, or Sec-Fetch-Site when
   a browser sends no Origin) and carry the CSRF cookie's value in a header (double submit),
   which a form or a page of another site cannot set.
4. Body size: more than `max_body` bytes (declared or streamed) is refused with 413.
5. Every response gets a strict Content-Security-Policy (the route may give its own, stricter
   one), nosniff, no Referer, no framing.
"""

from __future__ import annotations

import hmac
import http.cookies
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

TOKEN_COOKIE = "guidecast_token"
CSRF_COOKIE = "guidecast_csrf"
CSRF_HEADER = "x-guidecast-csrf"
MAX_BODY = 1024 * 1024 + 64 * 1024  # a routine file's limit (1 MiB), with room for JSON quoting
APP_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


@dataclass
class Access:
    """Who may use the server: the token (None on localhost) and the host names answered."""

    token: str | None = None
    hosts: tuple[str, ...] | None = None  # None: any (with --lan the token guards instead)
    max_body: int = MAX_BODY
    csrf_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    @classmethod
    def local(cls, port: int) -> Access:
        return cls(hosts=tuple(f"{name}:{port}" for name in LOOPBACK_NAMES))

    @classmethod
    def lan(cls) -> Access:
        return cls(token=secrets.token_urlsafe(24))


def new_csrf_value() -> str:
    return secrets.token_urlsafe(24)


class Guard:
    """The middleware described in the module's docstring."""

    def __init__(self, app: ASGIApp, access: Access) -> None:
        self.app = app
        self.access = access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        cookies = _cookies(headers.get("cookie", ""))
        started = False
        # Every browser gets its CSRF value with its first response, for the pages' scripts.
        new_csrf = None if cookies.get(CSRF_COOKIE) else new_csrf_value()
        send = _with_security_headers(send, new_csrf)

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        host = headers.get("host", "")
        if self.access.hosts is not None and host.lower() not in self.access.hosts:
            await _plain(send, 421, "This server answers only on its own address.")
            return
        token = self.access.token
        if token is not None:
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            given = query.get("token")
            if given is not None and hmac.compare_digest(given, token):
                await _redirect_without_token(scope, send, token, query)
                return
            if not hmac.compare_digest(cookies.get(TOKEN_COOKIE, ""), token):
                await _plain(
                    send,
                    403,
                    "This guidecast server needs its access link: open the address it printed "
                    "(scan its QR code) once on this device.",
                )
                return
        if scope["method"] not in _SAFE_METHODS:
            refusal = _cross_site(headers, cookies, scope, host)
            if refusal:
                await _plain(send, 403, refusal)
                return
        limit = self.access.max_body
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _plain(send, 413, f"The request is too large (at most {limit:,} bytes).")
            return
        try:
            await self.app(scope, _limited(receive, self.access.max_body), tracked)
        except BodyTooLarge:
            if not started:
                await _plain(send, 413, f"The request is too large (at most {limit:,} bytes).")


def _cross_site(
    headers: dict[str, str], cookies: dict[str, str], scope: Scope, host: str
) -> str | None:
    """Why a state-changing request is refused as cross-site, or None when it is our own."""
    origin = headers.get("origin")
    scheme = scope.get("scheme", "http")
    if origin is not None:
        if origin != f"{scheme}://{host}":
            return "Refused: this request came from another site."
    elif headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return "Refused: this request came from another site."
    expected = cookies.get(CSRF_COOKIE, "")
    given = headers.get(CSRF_HEADER, "")
    if not expected or not hmac.compare_digest(expected, given):
        return "Refused: reload the page and try again (its form key is missing or old)."
    return None


class BodyTooLarge(Exception):
    pass


def _limited(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def inner() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(f"the request is larger than {limit:,} bytes")
        return message

    return inner


def _with_security_headers(send: Send, new_csrf: str | None) -> Send:
    async def inner(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            if new_csrf is not None:
                headers.append((b"set-cookie", cookie_header(CSRF_COOKIE, new_csrf, False)))
            names = {name.lower() for name, _ in headers}
            extra = [
                (b"content-security-policy", APP_POLICY.encode()),
                (b"x-content-type-options", b"nosniff"),
                (b"referrer-policy", b"no-referrer"),
                (b"x-frame-options", b"DENY"),
                (b"cross-origin-opener-policy", b"same-origin"),
                (b"cross-origin-resource-policy", b"same-origin"),
            ]
            headers += [(name, value) for name, value in extra if name not in names]
            message["headers"] = headers
        await send(message)

    return inner


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def _cookies(header: str) -> dict[str, str]:
    jar = http.cookies.SimpleCookie()
    try:
        jar.load(header)
    except http.cookies.CookieError:
        return {}
    return {key: morsel.value for key, morsel in jar.items()}


def cookie_header(name: str, value: str, http_only: bool) -> bytes:
    # SameSite=Strict: a page of another site never sends it along, a second guard after CSRF.
    flags = "; HttpOnly" if http_only else ""
    return f"{name}={value}; Path=/; SameSite=Strict{flags}".encode("latin-1")


async def _plain(send: Send, status: int, text: str) -> None:
    body = (text + "\n").encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _redirect_without_token(
    scope: Scope, send: Send, token: str, query: dict[str, str]
) -> None:
    rest = {key: value for key, value in query.items() if key != "token"}
    path = scope.get("path", "/")
    # Only a path on this server: "//evil.example" would leave it.
    location = "/" + path.lstrip("/") + (f"?{urlencode(rest)}" if rest else "")
    await send(
        {
            "type": "http.response.start",
            "status": 303,
            "headers": [
                (b"location", location.encode("latin-1", "replace")),
                (b"set-cookie", cookie_header(TOKEN_COOKIE, token, http_only=True)),
                (b"cache-control", b"no-store"),
                (b"content-length", b"0"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b""})
