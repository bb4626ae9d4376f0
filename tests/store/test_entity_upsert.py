"""Entity state in PostgreSQL: identity against stored rows, merge rules, versions, bulk paths, freshness."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any
from uuid import UUID, uuid4

import polars as pl
import pytest
from sqlalchemy import Connection, Engine, text

from cluster.entities import company_record, entity_id, identity_keys, new_entity_id, person_record
from store.bulk import collapse_duplicates, copy_rows, upsert_rows
from store.repositories.companies import create_company
from store.repositories.entities import (
    EntityChange,
    find_fresh_entities,
    find_fresh_entity,
    resolve_entity_ids,
    upsert_entities,
)
from store.repositories.orgs import create_org


@pytest.fixture
def tenant(engine: Engine) -> dict[str, UUID]:
    with engine.begin() as conn:
        org = create_org(conn=conn, name="Org", slug=f"org-{uuid4().hex[:8]}")
        company = create_company(conn=conn, org_id=org["id"], name="C", domain=None, external_ref=None)
    return {"org_id": org["id"], "company_id": company["id"]}


def _records(entity_type: str, contexts: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    build = company_record if entity_type == "company" else person_record
    records = [build(c) for c in contexts]
    assert all(r is not None for r in records)
    return records  # type: ignore[return-value]


def store(
    conn: Connection,
    tenant: dict[str, UUID],
    entity_type: Any,
    contexts: Sequence[dict[str, Any]],
    *,
    run_id: UUID | None = None,
    operation: str = "company.enrich.profile",
) -> list[EntityChange]:
    """What the engine does at the end of runs: records, identity, one bulk upsert."""
    records = _records(entity_type, contexts)
    new_id = new_entity_id(tenant["org_id"], entity_type)
    ids = resolve_entity_ids(
        conn=conn, org_id=tenant["org_id"], entity_type=entity_type, records=records, new_id=new_id
    )
    rows = [
        {
            **r,
            "entity_id": i,
            "company_id": tenant["company_id"],
            "last_operation_id": operation,
            "last_run_id": run_id,
        }
        for r, i in zip(records, ids, strict=True)
    ]
    return upsert_entities(
        conn=conn, org_id=tenant["org_id"], entity_type=entity_type, rows=rows, new_id=new_id
    )


def stored(conn: Connection, entity_type: str, entity: UUID | None = None) -> list[dict[str, Any]]:
    table = f"{entity_type}_entities"
    where = "WHERE entity_id = :id" if entity else ""
    query = text(f"SELECT * FROM {table} {where} ORDER BY created_at, entity_id")
    return [dict(r._mapping) for r in conn.execute(query, {"id": entity})]


def test_a_rich_context_is_stored_as_mapped(engine: Engine, tenant: dict[str, UUID]) -> None:
    context = {
        "company_domain": "https://www.Acme.com/",
        "company_name": "Acme",
        "employee_count": "120",
        "confidence": 0.91234,
        "source_providers": ["prospeo"],
        "results": [{"full_name": "fan-out material"}],
        "founded_year": 1999,
    }
    run_id = uuid4()
    with engine.begin() as conn:
        [change] = store(conn, tenant, "company", [context], run_id=run_id)
        [row] = stored(conn, "company")
    assert change == EntityChange(row["entity_id"], 1, True, True)
    assert row["entity_id"] == entity_id(tenant["org_id"], "company", {"canonical_domain": "acme.com"})
    assert (row["canonical_domain"], row["canonical_name"], row["employee_count"]) == (
        "acme.com",
        "Acme",
        120,
    )
    assert float(row["enrichment_confidence"]) == pytest.approx(0.9123)
    assert row["source_providers"] == ["prospeo"]
    assert row["canonical_payload"]["founded_year"] == 1999
    assert "results" not in row["canonical_payload"]
    assert (row["company_id"], row["last_run_id"]) == (tenant["company_id"], run_id)
    assert row["last_operation_id"] == "company.enrich.profile"
    assert row["last_enriched_at"] is not None and row["record_version"] == 1


def test_one_company_through_two_spellings_is_one_entity(engine: Engine, tenant: dict[str, UUID]) -> None:
    with engine.begin() as conn:
        [first] = store(conn, tenant, "company", [{"company_domain": "https://www.Acme.com/"}])
    with engine.begin() as conn:
        [second] = store(conn, tenant, "company", [{"domain": "acme.com", "industry": "Software"}])
        rows = stored(conn, "company")
    assert first.entity_id == second.entity_id
    assert (second.record_version, second.created, second.changed) == (2, False, True)
    assert len(rows) == 1 and rows[0]["industry"] == "Software"


def test_a_company_seen_by_linkedin_first_keeps_its_id_when_its_domain_arrives(
    engine: Engine, tenant: dict[str, UUID]
) -> None:
    page = "https://www.linkedin.com/company/acme"
    with engine.begin() as conn:
        [first] = store(conn, tenant, "company", [{"company_linkedin_url": page, "company_name": "Acme"}])
    with engine.begin() as conn:
        [second] = store(
            conn, tenant, "company", [{"company_linkedin_url": page, "company_domain": "acme.com"}]
        )
        [row] = stored(conn, "company")
    assert second.entity_id == first.entity_id == row["entity_id"]
    assert row["canonical_domain"] == "acme.com"


def test_a_person_reached_by_email_then_linkedin_is_one_entity(
    engine: Engine, tenant: dict[str, UUID]
) -> None:
    profile = "https://www.linkedin.com/in/jane-doe"
    with engine.begin() as conn:
        [by_email] = store(conn, tenant, "person", [{"email": "Jane@Acme.com", "full_name": "Jane Doe"}])
    with engine.begin() as conn:
        [both] = store(conn, tenant, "person", [{"email": "jane@acme.com", "linkedin_url": profile}])
    with engine.begin() as conn:
        [by_linkedin] = store(conn, tenant, "person", [{"linkedin_url": profile, "title": "CTO"}])
        rows = stored(conn, "person")
    assert by_email.entity_id == both.entity_id == by_linkedin.entity_id
    assert len(rows) == 1
    assert (rows[0]["work_email"], rows[0]["linkedin_url"], rows[0]["title"]) == (
        "jane@acme.com",
        profile,
        "CTO",
    )
    assert rows[0]["full_name"] == "Jane Doe" and rows[0]["record_version"] == 3


def test_an_email_shared_with_another_profile_is_another_person(
    engine: Engine, tenant: dict[str, UUID]
) -> None:
    # Separate transactions: created_at is the transaction's start, and "oldest" must mean something.
    with engine.begin() as conn:
        [first] = store(
            conn, tenant, "person", [{"email": "team@a.io", "linkedin_url": "linkedin.com/in/one"}]
        )
    with engine.begin() as conn:
        [second] = store(
            conn, tenant, "person", [{"email": "team@a.io", "linkedin_url": "linkedin.com/in/two"}]
        )
    with engine.begin() as conn:
        [email_only] = store(conn, tenant, "person", [{"email": "team@a.io"}])
        assert len(stored(conn, "person")) == 2
    assert first.entity_id != second.entity_id
    assert email_only.entity_id == first.entity_id  # the oldest holder of the email


def test_unnamed_people_do_not_collapse(engine: Engine, tenant: dict[str, UUID]) -> None:
    people = [
        {"full_name": "Jane Doe", "title": "CEO"},
        {"full_name": "John Roe", "title": "CEO"},
        {"full_name": "Jane Doe", "title": "Engineer", "department": "R&D"},
    ]
    with engine.begin() as conn:
        changes = store(conn, tenant, "person", people)
        rows = stored(conn, "person")
    assert len({c.entity_id for c in changes}) == 3 and len(rows) == 3


def test_merge_non_null_overwrites_null_keeps_payload_overlays_providers_union(
    engine: Engine, tenant: dict[str, UUID]
) -> None:
    first = {
        "company_domain": "acme.com",
        "company_name": "Acme",
        "industry": "Software",
        "employee_count": 100,
        "source_providers": ["prospeo", "blitzapi"],
        "founded_year": 1999,
        "tags": ["a"],
    }
    second = {
        "company_domain": "acme.com",
        "company_name": None,
        "industry": "Fintech",
        "employee_count": None,
        "source_provider": "companyenrich",
        "source_providers": ["blitzapi"],
        "tags": ["b"],
        "hq_locality": "Berlin",
    }
    with engine.begin() as conn:
        store(conn, tenant, "company", [first])
        [change] = store(conn, tenant, "company", [second])
        [row] = stored(conn, "company")
    assert (change.record_version, change.changed) == (2, True)
    assert (row["canonical_name"], row["industry"], row["employee_count"]) == ("Acme", "Fintech", 100)
    assert row["source_providers"] == ["prospeo", "blitzapi", "companyenrich"]
    payload = row["canonical_payload"]
    assert (payload["founded_year"], payload["tags"], payload["hq_locality"]) == (1999, ["b"], "Berlin")
    assert payload["company_name"] == "Acme"  # a null in the new context keeps the old payload key


def test_version_bumps_only_on_a_real_change(engine: Engine, tenant: dict[str, UUID]) -> None:
    context = {"company_domain": "acme.com", "industry": "Software", "source_provider": "prospeo"}
    with engine.begin() as conn:
        store(conn, tenant, "company", [context], run_id=uuid4())
        [before] = stored(conn, "company")
    # Another run, another operation, the same facts: only the enrichment time moves.
    with engine.begin() as conn:
        [same] = store(conn, tenant, "company", [context], run_id=uuid4(), operation="company.research.x")
        [after] = stored(conn, "company")
    assert (same.record_version, same.created, same.changed) == (1, False, False)
    assert after["last_enriched_at"] >= before["last_enriched_at"]
    assert {**after, "last_enriched_at": None} == {**before, "last_enriched_at": None}
    # Dropping a key is no change either (a null keeps); a new fact is.
    with engine.begin() as conn:
        [fewer] = store(conn, tenant, "company", [{"company_domain": "acme.com", "industry": "Software"}])
        [new] = store(conn, tenant, "company", [{"company_domain": "acme.com", "employee_range": "11-50"}])
    assert (fewer.record_version, fewer.changed) == (1, False)
    assert (new.record_version, new.changed) == (2, True)


def test_re_upserting_a_batch_changes_no_data(engine: Engine, tenant: dict[str, UUID]) -> None:
    contexts = [
        {"company_domain": f"c{i}.io", "employee_count": i, "source_provider": "p"} for i in range(50)
    ]
    with engine.begin() as conn:
        first = store(conn, tenant, "company", contexts)
        snapshot = stored(conn, "company")
    with engine.begin() as conn:
        again = store(conn, tenant, "company", contexts)
        # The same data again: no row changes but for when it was last enriched.
        untimed = [{**r, "last_enriched_at": None} for r in stored(conn, "company")]
        assert untimed == [{**r, "last_enriched_at": None} for r in snapshot]
    assert all(c.created and c.changed and c.record_version == 1 for c in first)
    assert [c.entity_id for c in again] == [c.entity_id for c in first]
    assert not any(c.created or c.changed for c in again) and {c.record_version for c in again} == {1}


def test_duplicate_keys_in_one_batch_collapse(engine: Engine, tenant: dict[str, UUID]) -> None:
    contexts: list[dict[str, Any]] = [
        {
            "company_domain": "acme.com",
            "company_name": "Acme",
            "industry": "Software",
            "source_provider": "a",
            "x": 1,
        },
        {"company_domain": "https://acme.com/", "industry": "Fintech", "source_provider": "b", "y": 2},
        {"company_domain": "other.io"},
        {"company_domain": "ACME.com", "industry": None, "source_provider": "a", "x": 3},
    ]
    with engine.begin() as conn:
        changes = store(conn, tenant, "company", contexts)
        rows = {r["canonical_domain"]: r for r in stored(conn, "company")}
    assert len(changes) == 4 and changes[0] == changes[1] == changes[3] != changes[2]
    assert changes[0].record_version == 1 and changes[0].created
    acme = rows["acme.com"]
    assert (acme["canonical_name"], acme["industry"]) == ("Acme", "Fintech")
    assert acme["source_providers"] == ["a", "b"]
    assert (acme["canonical_payload"]["x"], acme["canonical_payload"]["y"]) == (3, 2)


def test_one_linkedin_url_reached_two_ways_in_one_batch_is_one_row(
    engine: Engine, tenant: dict[str, UUID]
) -> None:
    profile = "https://www.linkedin.com/in/jane"
    with engine.begin() as conn:
        [stored_by_email] = store(conn, tenant, "person", [{"email": "jane@a.io"}])
    with engine.begin() as conn:
        # One record reaches the stored row by email, the other would mint the LinkedIn id.
        changes = store(
            conn,
            tenant,
            "person",
            [{"email": "jane@a.io", "linkedin_url": profile}, {"linkedin_url": profile}],
        )
        rows = stored(conn, "person")
    assert {c.entity_id for c in changes} == {stored_by_email.entity_id}
    assert len(rows) == 1 and rows[0]["linkedin_url"] == profile


def test_a_natural_key_taken_by_a_concurrent_writer_is_retried(
    engine: Engine, tenant: dict[str, UUID]
) -> None:
    profile = "https://www.linkedin.com/in/jane"
    with engine.begin() as conn:
        [by_email] = store(conn, tenant, "person", [{"email": "jane@a.io"}])
    with engine.begin() as conn:
        records = _records("person", [{"email": "jane@a.io", "linkedin_url": profile, "title": "CTO"}])
        new_id = new_entity_id(tenant["org_id"], "person")
        ids = resolve_entity_ids(
            conn=conn, org_id=tenant["org_id"], entity_type="person", records=records, new_id=new_id
        )
        assert ids == [by_email.entity_id]
        # Meanwhile another writer stores the LinkedIn profile as a new person and commits.
        with engine.begin() as other:
            [winner] = store(other, tenant, "person", [{"linkedin_url": profile}])
        rows = [{**records[0], "entity_id": ids[0], "company_id": tenant["company_id"]}]
        [change] = upsert_entities(
            conn=conn, org_id=tenant["org_id"], entity_type="person", rows=rows, new_id=new_id
        )
        people = {r["entity_id"]: r for r in stored(conn, "person")}
    assert change.entity_id == winner.entity_id != by_email.entity_id
    assert people[winner.entity_id]["title"] == "CTO"
    assert people[by_email.entity_id]["linkedin_url"] is None


def test_concurrent_writers_with_overlapping_keys_do_not_deadlock(
    engine: Engine, tenant: dict[str, UUID]
) -> None:
    domains = [f"company-{i}.io" for i in range(3000)]
    # Overlapping halves, fed in opposite orders: only sorted writes keep the lock order the same.
    batches = [domains[:2000], list(reversed(domains[1000:]))]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(batches))

    def write(batch: list[str], rounds: int = 3) -> None:
        try:
            for round_ in range(rounds):
                contexts = [{"company_domain": d, "employee_count": round_} for d in batch]
                barrier.wait(timeout=30)
                with engine.begin() as conn:
                    conn.execute(text("SET LOCAL lock_timeout = '20s'"))
                    store(conn, tenant, "company", contexts)
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=write, args=(b,)) for b in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    with engine.begin() as conn:
        count, versions = conn.execute(
            text("SELECT count(*), max(record_version) FROM company_entities WHERE org_id = :o"),
            {"o": tenant["org_id"]},
        ).one()
    assert count == 3000 and versions >= 3


def test_tenants_do_not_share_entities(engine: Engine, tenant: dict[str, UUID]) -> None:
    with engine.begin() as conn:
        org = create_org(conn=conn, name="Other", slug=f"other-{uuid4().hex[:8]}")
        company = create_company(conn=conn, org_id=org["id"], name="C", domain=None, external_ref=None)
        other = {"org_id": org["id"], "company_id": company["id"]}
        [mine] = store(conn, tenant, "company", [{"domain": "acme.com", "industry": "A"}])
        [theirs] = store(conn, other, "company", [{"domain": "acme.com", "industry": "B"}])
        assert len(stored(conn, "company")) == 2
    assert mine.entity_id != theirs.entity_id and theirs.created


def test_fresh_entity_lookup_honours_max_age(engine: Engine, tenant: dict[str, UUID]) -> None:
    context = {"company_domain": "acme.com", "company_linkedin_url": "linkedin.com/company/acme", "x": 1}
    with engine.begin() as conn:
        [change] = store(conn, tenant, "company", [context])
        conn.execute(text("UPDATE company_entities SET last_enriched_at = now() - interval '5 hours'"))

    def lookup(identity: dict[str, Any], hours: float) -> dict[str, Any] | None:
        with engine.begin() as conn:
            return find_fresh_entity(
                conn=conn,
                org_id=tenant["org_id"],
                entity_type="company",
                keys=identity_keys("company", identity),
                max_age_hours=hours,
            )

    fresh = lookup({"company_domain": "https://www.ACME.com/pricing"}, 6)
    assert fresh is not None and fresh["entity_id"] == change.entity_id
    assert fresh["canonical_payload"]["x"] == 1 and 4.9 < fresh["age_hours"] < 5.1
    assert lookup({"company_domain": "acme.com"}, 4) is None
    assert lookup({"linkedin_url": "https://www.linkedin.com/company/acme/"}, 6) is not None
    assert lookup({"domain": "unknown.io"}, 6) is None
    assert lookup({}, 6) is None


def test_fresh_entities_in_one_query(engine: Engine, tenant: dict[str, UUID]) -> None:
    with engine.begin() as conn:
        [jane, john] = store(
            conn,
            tenant,
            "person",
            [{"email": "jane@a.io", "linkedin_url": "linkedin.com/in/jane"}, {"email": "john@a.io"}],
        )
        conn.execute(
            text(
                "UPDATE person_entities SET last_enriched_at = now() - interval '3 days' WHERE entity_id = :i"
            ),
            {"i": john.entity_id},
        )
        identities = [
            {"linkedin_url": "https://linkedin.com/in/JANE"},
            {"email": "John@A.io"},
            {"work_email": "nobody@a.io"},
            {"title": "no identity"},
            {"email": "jane@a.io"},
        ]
        found = find_fresh_entities(
            conn=conn,
            org_id=tenant["org_id"],
            entity_type="person",
            keys=[identity_keys("person", i) for i in identities],
            max_age_hours=24,
        )
    assert [f and f["entity_id"] for f in found] == [jane.entity_id, None, None, None, jane.entity_id]


def test_upsert_accepts_a_dataframe(engine: Engine, tenant: dict[str, UUID]) -> None:
    ids = [entity_id(tenant["org_id"], "company", {"canonical_domain": d}) for d in ("a.io", "b.io")]
    frame = pl.DataFrame(
        {
            "entity_id": [str(i) for i in ids] + [str(ids[0])],
            "canonical_domain": ["a.io", "b.io", None],
            "employee_count": [1, 2, 3],
            "source_providers": ['["p"]', None, '["q"]'],
            "canonical_payload": ['{"k": 1}', None, '{"j": 2}'],
        }
    )
    with engine.begin() as conn:
        changes = upsert_entities(conn=conn, org_id=tenant["org_id"], entity_type="company", rows=frame)
        rows = {r["canonical_domain"]: r for r in stored(conn, "company")}
    assert [c.entity_id for c in changes] == [ids[0], ids[1], ids[0]]
    assert rows["a.io"]["employee_count"] == 3 and rows["a.io"]["source_providers"] == ["p", "q"]
    assert rows["a.io"]["canonical_payload"] == {"k": 1, "j": 2}
    assert rows["b.io"]["source_providers"] == [] and rows["b.io"]["canonical_payload"] == {}


def test_generic_bulk_paths(engine: Engine, tenant: dict[str, UUID]) -> None:
    """copy_rows (binary from dicts, CSV from a frame) and upsert_rows on another table."""
    org_id = tenant["org_id"]
    with engine.begin() as conn:
        copy_rows(
            conn=conn,
            table_name="companies",
            columns=["name", "domain"],
            rows=[{"name": "x1", "domain": "x1.io"}, {"name": "x2"}],
            constants={"org_id": org_id},
        )
        copy_rows(
            conn=conn,
            table_name="companies",
            columns=["org_id", "name", "external_ref"],
            rows=pl.DataFrame(
                {"org_id": [str(org_id)], "name": ['tricky, "quoted"\nname'], "external_ref": [""]}
            ),
        )
        written = upsert_rows(
            conn=conn,
            table_name="companies",
            columns=["name", "domain"],
            rows=[
                {"name": "x1", "domain": None},
                {"name": "x2", "domain": "x2.io"},
                {"name": "x3", "domain": "x3.io"},
            ],
            key_columns=("org_id", "name"),
            constants={"org_id": org_id},
            returning=("t.name",),
        )
        found: dict[str, str] = dict(
            conn.execute(text("SELECT name, domain FROM companies WHERE org_id = :o"), {"o": org_id}).all()
        )
        refs = conn.execute(text("SELECT external_ref FROM companies WHERE name LIKE 'tricky%'")).scalar_one()
    # x1 unchanged (a null keeps the stored domain) is not written; x2 gains a domain; x3 is new.
    assert sorted(r[0] for r in written) == ["x2", "x3"]
    assert (found["x1"], found["x2"], found["x3"]) == ("x1.io", "x2.io", "x3.io")
    assert 'tricky, "quoted"\nname' in found and refs == ""


@pytest.mark.parametrize("as_frame", [False, True])
def test_collapse_duplicates_keeps_the_last_non_null(as_frame: bool) -> None:
    rows: list[dict[str, Any]] = [
        {"k": 1, "a": "first", "b": None},
        {"k": 2, "a": "other", "b": "x"},
        {"k": 1, "a": None, "b": "later"},
        {"k": 1, "a": "last", "b": None},
    ]
    result = collapse_duplicates(pl.DataFrame(rows) if as_frame else rows, ["k"])
    listed = result.to_dicts() if isinstance(result, pl.DataFrame) else list(result)
    assert listed == [{"k": 1, "a": "last", "b": "later"}, {"k": 2, "a": "other", "b": "x"}]


def test_unchanged_upsert_refreshes_only_last_enriched_at(engine: Engine, tenant: dict[str, UUID]) -> None:
    context = {"company_domain": "same.io", "company_name": "Same", "employee_count": 12}
    with engine.begin() as conn:
        [first] = store(conn, tenant, "company", [context])
        conn.execute(
            text(
                "UPDATE company_entities SET last_enriched_at = now() - interval '2 days', "
                "updated_at = now() - interval '2 days'"
            )
        )
    with engine.begin() as conn:
        [again] = store(conn, tenant, "company", [context])
        [row] = stored(conn, "company")
        age = conn.execute(
            text(
                "SELECT extract(epoch FROM now() - last_enriched_at), extract(epoch FROM now() - updated_at) "
                "FROM company_entities"
            )
        ).one()
    assert not again.changed and again.record_version == first.record_version == row["record_version"] == 1
    assert age[0] < 60 and age[1] > 86_000
