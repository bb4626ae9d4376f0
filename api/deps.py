"""Typed dependencies in one place: settings, the engine, and the two kinds of caller."""

from __future__ import annotations

from typing import Annotated

import ray
from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine

from api.auth.context import AuthContext, SuperAdminContext, bearer_token, resolve_super_admin, resolve_tenant
from cluster.caller import ClusterGatewayCaller
from cluster.credits import BalanceCache
from cluster.gateway import GatewayPool
from cluster.launch import BackgroundLauncher
from config import Settings
from operations.runtime import ProviderCaller

_bearer = HTTPBearer(auto_error=False, description="Tenant JWT, tenant API token or super-admin credential.")


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def _launcher(request: Request) -> BackgroundLauncher:
    launcher: BackgroundLauncher = request.app.state.launcher
    return launcher


def _balances(request: Request) -> BalanceCache:
    cache: BalanceCache = request.app.state.balances
    return cache


SettingsDep = Annotated[Settings, Depends(_settings)]
Balances = Annotated[BalanceCache, Depends(_balances)]
DbEngine = Annotated[Engine, Depends(_engine)]
Launcher = Annotated[BackgroundLauncher, Depends(_launcher)]
BearerDoc = Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)]


def _tenant(request: Request, _: BearerDoc, engine: DbEngine, settings: SettingsDep) -> AuthContext:
    token = bearer_token(request.headers.get("authorization"))
    return resolve_tenant(
        token,
        engine=engine,
        settings=settings,
        internal_org=request.headers.get("x-internal-org-id"),
        internal_company=request.headers.get("x-internal-company-id"),
    )


def _super_admin(
    request: Request, _: BearerDoc, engine: DbEngine, settings: SettingsDep
) -> SuperAdminContext:
    token = bearer_token(request.headers.get("authorization"))
    return resolve_super_admin(token, engine=engine, settings=settings)


Tenant = Annotated[AuthContext, Depends(_tenant)]
SuperAdmin = Annotated[SuperAdminContext, Depends(_super_admin)]


def _gateways(request: Request) -> ProviderCaller:
    """The provider layer: the cluster's gateway actors when Ray is up, else in-process gateways."""
    state = request.app.state
    settings: Settings = state.settings
    if ray.is_initialized():
        caller: ClusterGatewayCaller | None = getattr(state, "cluster_gateways", None)
        if caller is None:
            caller = state.cluster_gateways = ClusterGatewayCaller(settings.providers, settings.cluster)
        return caller
    pool: GatewayPool | None = getattr(state, "gateways", None)
    if pool is None:
        # Created on first use, inside the serving event loop (its HTTP client binds to it).
        pool = state.gateways = GatewayPool(settings.providers, cluster=settings.cluster)
    return pool


GatewayCaller = Annotated[ProviderCaller, Depends(_gateways)]
