"""The database itself refuses rows that point into another org."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, insert
from sqlalchemy.exc import IntegrityError

from store.repositories.companies import create_company
from store.repositories.orgs import create_org
from store.tables import blueprints, submissions, users


def test_cross_org_references_are_refused(engine: Engine) -> None:
    with engine.begin() as conn:
        org_a = create_org(conn=conn, name="A", slug="a")
        org_b = create_org(conn=conn, name="B", slug="b")
        company_b = create_company(conn=conn, org_id=org_b["id"], name="B1", domain=None, external_ref=None)
        blueprint_a = conn.execute(
            insert(blueprints).values(org_id=org_a["id"], name="bp").returning(blueprints.c.id)
        ).scalar_one()
    bad_rows = [
        (users, {"org_id": org_a["id"], "company_id": company_b["id"], "email": "x@a.io", "role": "member"}),
        (submissions, {"org_id": org_a["id"], "company_id": company_b["id"], "blueprint_id": blueprint_a}),
        (users, {"org_id": org_a["id"], "email": "Upper@a.io", "role": "org_admin"}),
        (users, {"org_id": org_a["id"], "email": "m@a.io", "role": "member"}),
    ]
    for table, values in bad_rows:
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(insert(table).values(**values))
