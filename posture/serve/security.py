"""What keeps the desk's pages to the practitioner: the CSRF token, the access token, the host check, the headers.

* **CSRF**: each browser gets a random session cookie (HttpOnly,
  SameSite=Strict); every form carries ``HMAC(secret, session)``, the
  secret made fresh at each start. A POST without the matching token gets
  403, so another site cannot make the browser post to the desk.
* **Access token** (``--lan``): a request from another machine must bring
  the per-run token once, in the address (``?token=``); it is then kept in
  a cookie. Without it: 401. Requests from this machine need none.
* **Host check**: on 127.0.0.1 only the loopback names are answered, so a
  web page whose name is re-pointed at 127.0.0.1 (DNS rebinding) gets 403.
* **Headers**: a Content-Security-Policy with no external source (scripts
  and styles from the desk itself only), no framing, no sniffing.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass, field

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_COOKIE = "posture_session"
ACCESS_COOKIE = "posture_access"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data: blob:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
                           "frame-ancestors 'none'")
"""No source outside the desk: the report templates' inline style is the one allowance."""

HEADERS = (("content-security-policy", CONTENT_SECURITY_POLICY), ("x-content-type-options", "nosniff"),
           ("referrer-policy", "no-referrer"), ("x-frame-options", "DENY"), ("cache-control", "no-store"))

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class Secrets:
    """The per-run secrets: made at each start, never written to disk.

    Attributes:
        csrf_key: the HMAC key of the CSRF tokens.
        access_token: what a browser on another machine must bring (``--lan``).
        lan: whether the desk listens beyond this machine.
    """

    lan: bool = False
    csrf_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    access_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    def csrf_token(self, session: str) -> str:
        return hmac.new(self.csrf_key, session.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, session: str | None, token: str | None) -> bool:
        return bool(session and token) and hmac.compare_digest(self.csrf_token(session or ""), token or "")

    def access_ok(self, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(token.encode(), self.access_token.encode())


def new_session() -> str:
    return secrets.token_urlsafe(24)


def is_loopback(host: str | None) -> bool:
    """Whether a client address is this machine's own."""
    if not host:
        return False
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_name(header: str) -> str:
    """The name of a Host header without its port (``[::1]:8765`` → ``::1``)."""
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class TooLarge(HTTPException):
    """A request body went past its limit while it was read: an HTTP error, so the body parser lets it through."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_text(limit))


class Guard:
    """ASGI middleware: host check, access token, request size limit, session cookie and security headers.

    Args:
        app: the application it guards.
        keys: this run's secrets.
        max_request_bytes: a request body larger than this gets 413, counted as it arrives (a missing or
            false Content-Length does not get around it).
    """

    def __init__(self, app: ASGIApp, *, keys: Secrets, max_request_bytes: int) -> None:
        self.app = app
        self.keys = keys
        self.max_request_bytes = max_request_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        refusal = self._refusal(request)
        if refusal is not None:
            await with_headers(refusal)(scope, receive, send)
            return
        session = request.cookies.get(SESSION_COOKIE)
        fresh = session is None or len(session) > 64
        if fresh:
            session = new_session()
        scope.setdefault("state", {})["session"] = session
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_request_bytes:
            await with_headers(too_large(self.max_request_bytes))(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_request_bytes:
                    raise TooLarge(self.max_request_bytes)
            return message

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS:
                    headers.setdefault(name, value)
                if fresh:
                    headers.append("set-cookie", _cookie(SESSION_COOKIE, session or ""))
            await send(message)

        try:
            await self.app(scope, counted, send_with_headers)
        except TooLarge:
            await with_headers(too_large(self.max_request_bytes))(scope, receive, send)

    def _refusal(self, request: Request) -> Response | None:
        """The answer for a request that may not go further, or None."""
        client = request.client.host if request.client else None
        if not self.keys.lan and host_name(request.headers.get("host", "")) not in LOOPBACK_NAMES:
            return PlainTextResponse("This desk answers only to the addresses 127.0.0.1 and localhost.", 403)
        if is_loopback(client):
            return None
        if self.keys.access_ok(request.query_params.get("token")):
            # The token leaves the address at once, so it is not kept in the history or shown over a shoulder.
            response = RedirectResponse(request.url.remove_query_params("token"), status_code=303)
            response.set_cookie(ACCESS_COOKIE, self.keys.access_token, httponly=True, samesite="strict")
            return response
        if self.keys.access_ok(request.cookies.get(ACCESS_COOKIE)):
            return None
        return PlainTextResponse("Open the address posture serve printed, with its access token "
                                 "(or scan its QR code): this desk answers other machines only with it.", 401)



def with_headers(response: Response) -> Response:
    for name, value in HEADERS:
        response.headers.setdefault(name, value)
    return response


def too_large_text(limit: int) -> str:
    return f"This upload is larger than the limit of {limit / (1 << 20):g} MB; send fewer or smaller photos at a time."


def too_large(limit: int) -> Response:
    return PlainTextResponse(too_large_text(limit), 413)


def _cookie(name: str, value: str) -> str:
    return f"{name}={value}; HttpOnly; SameSite=Strict; Path=/"
