"""Sandboxed MillionVerifier: `GET /api/v3/` with the key in the query, and its HTTP-200 bad-key quirk."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from providers.sandbox.app import SandboxProvider

# World verdicts in MillionVerifier's words, with its result codes.
RESULTS = {
    "valid": ("ok", 1),
    "catch_all": ("catch_all", 2),
    "unknown": ("unknown", 3),
    "invalid": ("invalid", 6),
}


NOTIONAL_BALANCE = 10_000.0


class MillionVerifierSandbox(SandboxProvider):
    """Single verification, answered from the world's truth about the address."""

    name = "millionverifier"
    balance_paths = frozenset({"/api/v3/credits"})

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/api/v3/", self.verify, methods=["GET"]),
            Route("/api/v3/credits", self.credits, methods=["GET"]),
        ]

    async def authorized(self, request: Request) -> bool:
        return request.query_params.get("api") == self.api_key

    def unauthorized(self, request: Request) -> Response:
        # The documented quirk: a bad key is a 200 whose body says so.
        return JSONResponse(self._error(request.query_params.get("email", ""), "Apikey not found"))

    def no_credits(self) -> Response:
        return JSONResponse(self._error("", "Insufficient credits"))

    def server_error(self) -> Response:
        return JSONResponse({"error": "Internal error"}, status_code=500)

    @staticmethod
    def _error(email: str, message: str) -> dict[str, object]:
        return {
            "email": email,
            "quality": "",
            "result": "error",
            "resultcode": 4,
            "subresult": "error",
            "free": False,
            "role": False,
            "didyoumean": "",
            "credits": 0,
            "executiontime": 0,
            "error": message,
            "livemode": True,
        }

    async def credits(self, request: Request) -> Response:
        left = int(self.credits_left(NOTIONAL_BALANCE))
        return JSONResponse({"credits": left, "bulk_credits": left, "renewing_credits": 0, "plan": 4})

    async def verify(self, request: Request) -> Response:
        email = request.query_params.get("email", "").strip().lower()
        if not email:
            return JSONResponse(self._error("", "No email specified"))
        verdict = self.world.verify(self.name, email)
        result, code = RESULTS.get(verdict, ("unknown", 3))
        self.charge(1)
        local = email.split("@", 1)[0]
        return JSONResponse(
            {
                "email": email,
                "quality": {"ok": "good", "catch_all": "risky", "invalid": "bad"}.get(result, "unknown"),
                "result": result,
                "resultcode": code,
                "subresult": {"ok": "ok", "invalid": "mailbox_not_found"}.get(result, result),
                "free": email.endswith(("@gmail.com", "@yahoo.com", "@outlook.com")),
                "role": local in {"info", "sales", "support", "admin", "hello", "contact"},
                "didyoumean": "",
                "credits": 10_000,
                "executiontime": 1,
                "error": "",
                "livemode": True,
            }
        )
