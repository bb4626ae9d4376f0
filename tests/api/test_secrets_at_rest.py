"""No plaintext password or token is stored anywhere in the database."""

from __future__ import annotations

from sqlalchemy import Engine, text

from api.auth.tokens import hash_api_token
from store.tables import metadata
from tests.factories import PASSWORD, ApiClient, make_tenant


def _every_stored_value(engine: Engine) -> str:
    with engine.connect() as conn:
        dumps = [
            conn.execute(
                text(f"SELECT coalesce(string_agg(row_to_json(t)::text, '\n'), '') FROM {t.name} t")
            ).scalar_one()
            for t in metadata.sorted_tables
        ]
    return "\n".join(dumps)


def test_no_plaintext_password_or_token_anywhere(api: ApiClient, engine: Engine) -> None:
    world = make_tenant(api)
    tokens = [world.api_token]
    tokens += [
        api.sa("api-tokens/create", {"user_id": u["id"], "name": "t"})["token"] for u in world.users.values()
    ]
    stored = _every_stored_value(engine)
    assert world.users["org_admin"]["email"] in stored, "the dump really covers the users table"
    assert PASSWORD not in stored
    for token in tokens:
        assert token not in stored
        assert token[4:20] not in stored
        assert hash_api_token(token) in stored
    assert stored.count("$argon2id$") == 3
