"""POST /api/v1/providers/list: every provider's balance and state, as checked a moment ago."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.auth.flexible import TenantOrSuperAdmin
from api.deps import Balances
from api.schemas.common import Envelope, envelope
from api.schemas.providers import ProviderCreditsRead
from api.services.provider_credits import list_provider_credits

router = APIRouter(tags=["providers"])


@router.post("/api/v1/providers/list", response_model=Envelope[list[ProviderCreditsRead]])
async def list_(caller: TenantOrSuperAdmin, balances: Balances) -> dict[str, Any]:
    """List providers: keyed or not, credits left and state (balances are cached for a minute)."""
    return envelope(await list_provider_credits(balances))
