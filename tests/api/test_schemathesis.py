"""Schemathesis over the whole OpenAPI document, in process: every answer is documented, bad input refused.

Each operation gets generated valid and invalid requests from every caller it serves: a tenant (an
org admin's API token), the super-admin (the API key), or both; a public route gets both. The app is
the real one on the session's database. The checks are the four the API promises to pass: no 5xx,
invalid data refused, statuses and bodies as documented.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, get_args
from uuid import UUID

import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import SecretStr
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.case import Case
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import create_engine, text

from api.app import create_app
from api.auth.flexible import TenantOrSuperAdmin
from api.deps import SuperAdmin, Tenant
from config import AuthSettings, Settings
from store.engine import build_engine
from store.tables import metadata
from tests.factories import SUPER_KEY, TEST_SECRETS, ApiClient, add_blueprint, add_submission, make_tenant

CHECKS = [not_a_server_error, negative_data_rejection, response_schema_conformance, status_code_conformance]
# Few fuzzed examples per operation and a fixed seed: the same requests on every run. The coverage
# phase adds each boundary and each kind of invalid value the schema allows; of the wrong methods,
# GET stands for all (each answers the same 405).
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 20261206,
        "generation": {"mode": "all", "max-examples": 6, "deterministic": True, "database": "none"},
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": True, "unexpected-methods": ["get"]},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": False},
        },
    }
)


def _document_app() -> FastAPI:
    """An app that is never started, to read the OpenAPI document and the routes off at collection."""
    secrets = {name: SecretStr(value) for name, value in TEST_SECRETS.items()}
    # Never connected: neither the document nor the routes depend on the database.
    return create_app(
        Settings(dex_env="test", auth=AuthSettings(**secrets)), create_engine("postgresql+psycopg://")
    )


def _calls(dependant: Dependant) -> Iterator[Any]:
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from _calls(dependency)


def _callers(app: FastAPI) -> dict[str, set[str]]:
    """Return the kinds of caller each path serves, read off its auth dependency."""
    kinds = {
        get_args(Tenant)[1].dependency: {"tenant"},
        get_args(SuperAdmin)[1].dependency: {"super_admin"},
        get_args(TenantOrSuperAdmin)[1].dependency: {"tenant", "super_admin"},
    }
    callers = {}
    # Routes of included routers are found through their contexts (FastAPI mounts routers lazily).
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and route.include_in_schema and context.path_format:
            found = set().union(*(kinds.get(call, set()) for call in _calls(route.dependant)))
            callers[context.path_format] = found or {"tenant", "super_admin"}
    return callers


DOCUMENT_APP = _document_app()
CALLERS = _callers(DOCUMENT_APP)
schema = schemathesis.openapi.from_dict(DOCUMENT_APP.openapi(), config=CONFIG)
# A route refuses a caller it does not serve with the same 401 whatever the body: nothing to learn.
tenant_schema = schema.include(path=[path for path, kinds in CALLERS.items() if "tenant" in kinds])
super_admin_schema = schema.include(path=[path for path, kinds in CALLERS.items() if "super_admin" in kinds])


@pytest.fixture(scope="module")
def app(settings: Settings, scratch_database: str) -> Iterator[FastAPI]:
    """The whole app on the session's database, started (its lifespan ran) for Schemathesis' client.

    Its own engine, not the `engine` fixture: the tables are emptied once, after the module, rather
    than after each operation (which took half the run).
    """
    engine = build_engine(scratch_database, pool_size=5)
    application = create_app(settings, engine)
    with TestClient(application):
        yield application
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(t.name for t in metadata.sorted_tables)} CASCADE"))
    engine.dispose()


@pytest.fixture(scope="module")
def launched(app: FastAPI) -> Iterator[list[UUID]]:
    """Record the batches the API hands to the cluster: the answers are under test here, not the runs."""
    launcher = app.state.launcher
    ids: list[UUID] = []
    original, launcher.launch_fn = launcher.launch_fn, lambda submission_id, _: ids.append(submission_id)
    yield ids
    launcher.launch_fn = original


@pytest.fixture(scope="module")
def tenant(app: FastAPI) -> tuple[str, dict[str, str]]:
    """An org admin's API token, and what valid requests may name: the org's records, an operation."""
    api = ApiClient(TestClient(app))  # no `with`: the app is started once, by its own fixture
    world = make_tenant(api)
    blueprint = add_blueprint(api, world)
    submission = add_submission(app.state.engine, world, world.company_ids[0])
    known = {
        "org_id": str(world.org_id),
        "company_id": str(world.company_ids[0]),
        "blueprint_id": blueprint["id"],
        "submission_id": str(submission),
        "user_id": str(world.users["org_admin"]["id"]),
        "operation_id": "company.enrich.technographics",
    }
    return world.api_token, known


def _call(case: Case, app: FastAPI, token: str, known: dict[str, str]) -> None:
    """Send the case with the token and run the checks; a valid body names what exists.

    Generated ids and operation names name nothing: without real ones every valid request would end
    in a 404 or a 422, and the answers of success would go unchecked.
    """
    if case.meta is not None and case.meta.generation.mode.is_positive and isinstance(case.body, dict):
        for field, value in known.items():
            if isinstance(case.body.get(field), str):
                case.body[field] = value
    case.call_and_validate(app=app, headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)


# The fixtures are the same for every example of an operation on purpose: one tenant, one app.
PER_OPERATION = hypothesis.settings(suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture])


@tenant_schema.parametrize()
@PER_OPERATION
def test_as_a_tenant(
    case: Case, app: FastAPI, tenant: tuple[str, dict[str, str]], launched: list[UUID]
) -> None:
    token, known = tenant
    _call(case, app, token, known)


@super_admin_schema.parametrize()
@PER_OPERATION
def test_as_the_super_admin(
    case: Case, app: FastAPI, tenant: tuple[str, dict[str, str]], launched: list[UUID]
) -> None:
    _call(case, app, SUPER_KEY, tenant[1])
