"""Sandboxed Reoon: `GET /verify` with the key in the query, in quick or power mode, from the world's truth.

Quick mode keeps the real quirk: it checks syntax, disposability and the domain, never the inbox, so any
address at a domain that takes mail is `valid`. Power mode answers the world's verdict (`world.verify`).
Errors are not documented; we ASSUME `{"status": "error", "reason": ...}` at 401 (bad key), 402 (no
credits), 429 and 500, as providers/reoon.py states. Every verification costs one credit.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from providers.sandbox.app import SandboxProvider

FREE_DOMAINS = frozenset({"gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "proton.me"})
DISPOSABLE_DOMAINS = frozenset({"mailinator.com", "guerrillamail.com", "10minutemail.com", "yopmail.com"})
ROLE_NAMES = frozenset({"info", "sales", "support", "admin", "hello", "contact", "office", "billing", "jobs"})
_SYNTAX = re.compile(r"[a-z0-9._%+-]+@(?:[a-z0-9-]+\.)+[a-z]{2,63}")
# World verdicts in power-mode words.
_POWER = {"valid": "safe", "invalid": "invalid", "catch_all": "catch_all", "unknown": "unknown"}
_SCORE = {
    "safe": (90, 99),
    "role_account": (60, 75),
    "catch_all": (40, 60),
    "unknown": (20, 40),
    "invalid": (0, 10),
    "disposable": (0, 10),
}


def _error(reason: str, status_code: int, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"status": "error", "reason": reason}, status_code=status_code, headers=headers)


def _score(email: str, status: str) -> int:
    low, high = _SCORE.get(status, (0, 10))
    digest = hashlib.blake2b(email.encode(), digest_size=2).digest()
    return low + int.from_bytes(digest, "big") % (high - low + 1)


NOTIONAL_BALANCE = 1_000_000.0


class ReoonSandbox(SandboxProvider):
    """Single verification in quick or power mode, answered from the world."""

    name = "reoon"
    balance_paths = frozenset({"/check-account-balance/"})

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/verify", self.verify, methods=["GET"]),
            Route("/check-account-balance/", self.balance, methods=["GET"]),
        ]

    async def authorized(self, request: Request) -> bool:
        return request.query_params.get("key") == self.api_key

    def unauthorized(self, request: Request) -> Response:
        return _error("Invalid API key", 401)

    def no_credits(self) -> Response:
        return _error("Not enough credits. Please purchase credits to continue.", 402)

    def rate_limited(self, retry_after: int) -> Response:
        return _error("Too many requests", 429, {"Retry-After": str(retry_after)})

    def server_error(self) -> Response:
        return _error("Internal server error", 500)

    async def balance(self, request: Request) -> Response:
        remaining = int(self.credits_left(NOTIONAL_BALANCE))
        return JSONResponse(
            {
                "api_status": "active",
                "remaining_daily_credits": 0,
                "remaining_instant_credits": remaining,
                "status": "success",
            }
        )

    async def verify(self, request: Request) -> Response:
        email = request.query_params.get("email", "").strip().lower()
        if not email:
            return _error("Email address is required", 400)
        mode = request.query_params.get("mode", "quick").strip().lower()  # the API's own default
        if mode not in ("quick", "power"):
            return _error("Invalid mode. Use quick or power.", 400)
        self.charge(1)
        username, _, domain = email.rpartition("@")
        syntax_ok = bool(_SYNTAX.fullmatch(email))
        takes_mail = syntax_ok and (domain in FREE_DOMAINS or self.world.company(domain) is not None)
        body: dict[str, Any] = {
            "email": email,
            "status": "invalid",
            "username": username,
            "domain": domain,
            "is_valid_syntax": syntax_ok,
            "is_disposable": domain in DISPOSABLE_DOMAINS,
            "is_role_account": username in ROLE_NAMES,
            "mx_accepts_mail": takes_mail or domain in DISPOSABLE_DOMAINS,
            "is_spamtrap": False,
            "is_free_email": domain in FREE_DOMAINS,
            "mx_records": [f"mx1.{domain}", f"mx2.{domain}"] if takes_mail else [],
            "verification_mode": mode,
        }
        if domain in DISPOSABLE_DOMAINS and syntax_ok:
            body["status"] = "disposable"
        elif takes_mail:
            body["status"] = "valid"
        if mode == "power":
            body.update(self._power(email, body))
        return JSONResponse(body)

    def _power(self, email: str, quick: dict[str, Any]) -> dict[str, Any]:
        if quick["status"] == "valid":
            status = _POWER[self.world.verify(self.name, email)]
            if status == "safe" and quick["is_role_account"]:
                status = "role_account"
        else:
            status = quick["status"]
        deliverable = status in ("safe", "role_account")
        return {
            "status": status,
            "overall_score": _score(email, status),
            "is_safe_to_send": status == "safe",
            "can_connect_smtp": quick["mx_accepts_mail"],
            "has_inbox_full": False,
            "is_catch_all": status == "catch_all",
            "is_deliverable": deliverable,
            "is_disabled": False,
        }
