"""The web lane's 2 MB cap over real HTTP to the sandbox: the client stops reading, the parser refuses."""

from __future__ import annotations

import pytest

from providers.base import ErrorClass, Outcome, RequestSpec
from providers.execute import _absolute, execute
from providers.http import HttpClient
from providers.registry import get_provider
from providers.sandbox.server import SandboxServer
from providers.sandbox.world import World
from providers.web import FETCH_PAGE, MAX_BODY_BYTES, NAME
from tests.support.sandbox import sandbox_endpoint
from tests.support.web import priced_companies


@pytest.mark.parametrize(
    ("path", "body_read"), [("/huge-pricing", 0), ("/huge-streamed-pricing", MAX_BODY_BYTES)]
)
async def test_an_oversized_page_is_cut_off_and_refused(
    sandbox: SandboxServer, world: World, client: HttpClient, path: str, body_read: int
) -> None:
    action = get_provider(NAME).actions[FETCH_PAGE]
    endpoint = sandbox_endpoint(sandbox, NAME)
    inputs = {"url": f"https://{priced_companies(world, 1)[0].domain}{path}"}
    spec = action.build(inputs, endpoint.credentials)
    assert isinstance(spec, RequestSpec) and spec.max_body_bytes == MAX_BODY_BYTES
    # The cap travels with the request: a declared length over it is never read, a streamed body stops.
    response = await client.send(_absolute(endpoint, spec))
    assert (response.status, response.truncated, len(response.body)) == (200, True, body_read)
    answer = await execute(action, inputs, endpoint=endpoint, client=client)
    assert (answer.outcome, answer.error_class, answer.http_status) == (
        Outcome.FAILED,
        ErrorClass.BAD_INPUT,
        200,
    )
    assert "byte cap" in (answer.message or "")


async def test_a_page_within_the_cap_is_read_whole(
    sandbox: SandboxServer, world: World, client: HttpClient
) -> None:
    action = get_provider(NAME).actions[FETCH_PAGE]
    inputs = {"url": f"https://{priced_companies(world, 1)[0].domain}/pricing"}
    answer = await execute(action, inputs, endpoint=sandbox_endpoint(sandbox, NAME), client=client)
    assert answer.outcome is Outcome.FOUND and answer.data is not None and "<html" in answer.data["html"]
