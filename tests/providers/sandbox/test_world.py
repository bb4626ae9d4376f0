"""The synthetic world: determinism, lookups, coverage, email truth, searches and speed."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from providers.sandbox.world import (
    COVERAGE,
    SENIORITIES,
    WRONG_GUESS_RATE,
    Company,
    Person,
    World,
    normalize_domain,
)
from providers.sandbox.world_people import ascii_slug

REPO_ROOT = Path(__file__).resolve().parents[3]
SMALL = 2_000
T = TypeVar("T")


@pytest.fixture(scope="module")
def small_world() -> World:
    return World(seed=7, company_count=SMALL)


@pytest.fixture(scope="module")
def big_world() -> World:
    return World(seed=7, company_count=20_000)


def answers_digest(seed: int = 7, company_count: int = 3_000) -> str:
    """Hash a spread of answers; two processes with the same seed must print the same digest."""
    world = World(seed=seed, company_count=company_count)
    lines: list[str] = []
    for domain in world.sample_domains(25):
        company = world.company(domain)
        people = world.people(domain)
        lines += [repr(company), repr(people[: min(5, len(people))])]
        lines += [repr(world.champions(domain)), repr(world.alumni(domain, limit=3))]
        for provider in ("prospeo", "icypeas", "millionverifier"):
            lines.append(f"{provider} {world.knows(provider, domain)}")
            for person in people[:3]:
                guess = world.email_guess(provider, person)
                lines.append(f"{guess} {world.verify(provider, guess or person.work_email)}")
    lines.append(repr(world.search_companies(industry="Retail", country_code="US", limit=5)))
    lines.append(repr(world.search_stores(platform="shopify", limit=5)))
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


# -- determinism --------------------------------------------------------------------------------------


def test_two_worlds_with_one_seed_answer_identically() -> None:
    assert answers_digest(seed=7) == answers_digest(seed=7)
    assert answers_digest(seed=7) != answers_digest(seed=8)


def test_another_process_with_another_hash_seed_answers_identically() -> None:
    code = "from tests.providers.sandbox.test_world import answers_digest; print(answers_digest())"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == answers_digest()


def test_a_larger_world_keeps_the_companies_of_a_smaller_one() -> None:
    small, large = World(seed=3, company_count=500), World(seed=3, company_count=1_500)
    assert [small.company_at(i).domain for i in range(500)] == [
        large.company_at(i).domain for i in range(500)
    ]


# -- shape of the world ------------------------------------------------------------------------------


def test_companies_are_unique_and_well_formed(small_world: World) -> None:
    companies = list(small_world.companies())
    assert len({c.domain for c in companies}) == SMALL
    assert len({c.name.lower() for c in companies}) == SMALL
    for c in companies:
        assert c.website == f"https://{c.domain}"
        assert c.linkedin_url.startswith("https://www.linkedin.com/company/") and c.linkedin_id.isdigit()
        assert normalize_domain(c.domain) == c.domain
        low, _, high = c.employee_range.partition("-")
        assert int(low.rstrip("+")) <= c.employee_count <= (int(high) if high else 10**6)
        assert c.domain not in c.competitors and c.domain not in c.customers
        assert all(0 <= score <= 1 for _, score in c.similar)
        assert c.phone is None or c.phone.startswith("+")
        if c.store:
            assert c.store.monthly_app_spend_cents == sum(
                a.monthly_cost_cents for a in c.store.installed_apps
            )
            assert c.tech_stack[0].category == "Ecommerce Platform"
        if c.card_revenue:
            monthly = c.card_revenue.monthly
            assert len(monthly) == 12
            assert abs(sum(m.card_revenue for m in monthly) - c.card_revenue.annual_card_revenue) < 0.01
        assert (c.pricing is None) == (c.pricing_page_url is None)
    by_domain = {c.domain: c for c in companies}
    for c in companies:
        assert all(by_domain[d].industry == c.industry for d in c.competitors)
    shares: Counter[str] = Counter()
    for c in companies:
        shares["store"] += c.store is not None
        shares["catch_all"] += c.is_catch_all
        shares["competitors"] += bool(c.competitors)
        shares["ads"] += c.ads.total > 0
    assert 0.16 < shares["store"] / SMALL < 0.25
    assert 0.12 < shares["catch_all"] / SMALL < 0.18
    assert 0.55 < shares["competitors"] / SMALL < 0.65
    assert 0.25 < shares["ads"] / SMALL < 0.6
    assert len(Counter(c.industry for c in companies)) >= 25
    assert Counter(c.hq_country_code for c in companies).most_common(1)[0][0] == "US"


def test_people_are_consistent_with_their_company(small_world: World) -> None:
    counts = []
    for domain in small_world.sample_domains(60):
        company = small_world.company(domain)
        assert company is not None
        people = small_world.people(domain)
        counts.append((company.employee_count, len(people)))
        assert 1 <= len(people) <= min(250, company.employee_count)
        assert people[0].seniority == "c_suite" and people[0].department == "executive"
        assert "CEO" in people[0].title or people[0].title == "Chief Executive Officer"
        assert len({p.work_email for p in people}) == len(people)
        assert len({p.linkedin_url for p in people}) == len(people)
        for p in people:
            assert p.seniority in SENIORITIES
            assert p.work_email.isascii() and p.work_email == p.work_email.lower()
            assert p.work_email.endswith(f"@{domain}")
            expected_statuses = ("catch_all",) if company.is_catch_all else ("valid", "invalid")
            assert p.email_status in expected_statuses
            assert p.work_history[0].company_domain == domain and p.work_history[0].end_date is None
            assert all(job.company_domain != domain for job in p.work_history[1:])
            assert p.mobile_phone is None or p.mobile_phone.startswith("+")
            slug = f"{ascii_slug(p.first_name)}-{ascii_slug(p.last_name)}-{p.person_id.removeprefix('per_')}"
            assert p.linkedin_url == f"https://www.linkedin.com/in/{slug}"
    # Bigger companies have more people.
    counts.sort()
    assert counts[0][1] <= counts[-1][1]


# -- lookups -----------------------------------------------------------------------------------------


def test_messy_domains_normalize() -> None:
    assert normalize_domain("  HTTPS://WWW.Example.COM/about?x=1#top ") == "example.com"
    assert normalize_domain("www.example.co.uk/") == "example.co.uk"
    assert normalize_domain("jane@Example.io") == "example.io"
    assert normalize_domain("http://user:pw@example.com:8080/path") == "example.com"
    for junk in ("", "not a domain", "http://", "localhost", "@"):
        assert normalize_domain(junk) is None


def test_company_found_whatever_the_input(small_world: World) -> None:
    company = small_world.company_at(42)
    domain = company.domain
    variants = [
        domain.upper(),
        f"www.{domain}",
        f"https://www.{domain}/pricing?ref=x",
        f"http://{domain}/",
        f"  {domain}  ",
        f"someone@{domain}",
        f"blog.{domain}",
    ]
    for variant in variants:
        assert small_world.company(variant) == company, variant
    slug = company.linkedin_url.rsplit("/", 1)[1]
    for url in (
        company.linkedin_url,
        f"http://linkedin.com/company/{slug}/",
        f"HTTPS://WWW.LINKEDIN.COM/company/{slug.upper()}?trk=abc",
        f"https://www.linkedin.com/company/{company.linkedin_id}",
    ):
        assert small_world.company_by_linkedin(url) == company, url
    assert small_world.company_by_name(company.name.upper()) == company
    assert small_world.company_by_name(f"  {company.name.lower()} ") == company
    assert small_world.company("nothing-here.example") is None
    assert small_world.company_by_linkedin("https://www.linkedin.com/company/nothing-here-at-all") is None
    assert small_world.company_by_linkedin("https://www.linkedin.com/company/123") is None
    assert small_world.company_by_name("Nothing Here Inc") is None


def test_person_round_trips_through_every_lookup(small_world: World) -> None:
    for domain in small_world.sample_domains(20, seed_offset=1):
        for person in small_world.people(domain)[:10]:
            url = person.linkedin_url
            for variant in (
                url,
                url.upper(),
                url + "/",
                url.replace("https://www.", "http://"),
                url + "?x=1",
            ):
                assert small_world.person_by_linkedin(variant) == person, variant
            assert small_world.person_by_email(person.work_email.upper()) == person
            assert small_world.person_by_id(person.person_id) == person
            found = small_world.find_person(person.first_name.upper(), person.last_name, f"www.{domain}")
            assert found is not None and found.first_name == person.first_name
            assert found.last_name == person.last_name


def test_lookups_miss_cleanly(small_world: World) -> None:
    person = small_world.people(small_world.company_at(0).domain)[0]
    slug = person.linkedin_url.rsplit("/", 1)[1]
    code = slug.rsplit("-", 1)[1]
    assert small_world.person_by_linkedin(f"https://www.linkedin.com/in/someone-else-{code}") is None
    assert small_world.person_by_linkedin("https://www.linkedin.com/in/jane-doe-zzzzzzzz") is None
    assert small_world.person_by_linkedin("https://www.linkedin.com/company/whatever") is None
    assert small_world.person_by_id("per_00000000") is None
    assert small_world.person_by_email("nobody@" + small_world.company_at(0).domain) is None
    assert small_world.person_by_email("jane@unknown-domain.example") is None
    assert small_world.find_person("Nobody", "Atall", small_world.company_at(0).domain) is None
    assert small_world.people("unknown-domain.example") == ()


def test_a_fact_is_the_same_whichever_path_reaches_it() -> None:
    # Tiny caches force every lookup to regenerate what it returns.
    world = World(seed=7, company_count=SMALL, company_cache_size=1, people_cache_size=1)
    company = world.company_at(77)
    via_paths = [
        world.company(company.domain),
        world.company_by_linkedin(company.linkedin_url),
        world.company_by_name(company.name),
        next(c for c in world.companies() if c.index == 77),
        next(c for c in world.search_companies(name_contains=company.name, limit=100)[0] if c.index == 77),
    ]
    assert all(c == company for c in via_paths)
    person = world.people(company.domain)[-1]
    world.people(world.company_at(78).domain)  # evicts the first company's people
    assert world.person_by_linkedin(person.linkedin_url) == person
    assert world.person_by_email(person.work_email) == person
    assert world.person_by_id(person.person_id) == person


# -- providers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["prospeo", "icypeas", "ampleleads", "storeleads", "somebody-new"])
def test_coverage_rates_hold_over_many_keys(big_world: World, provider: str) -> None:
    keys = big_world.sample_domains(10_000)
    rate = sum(big_world.knows(provider, key) for key in keys) / len(keys)
    assert abs(rate - COVERAGE.get(provider, 0.7)) < 0.02
    assert [big_world.knows(provider, key) for key in keys[:50]] == [
        big_world.knows(provider, key.upper()) for key in keys[:50]
    ]


def test_providers_know_different_parts_of_the_world(big_world: World) -> None:
    keys = big_world.sample_domains(5_000)
    both = sum(big_world.knows("prospeo", k) and big_world.knows("icypeas", k) for k in keys) / len(keys)
    assert abs(both - COVERAGE["prospeo"] * COVERAGE["icypeas"]) < 0.03


def _sample_people(world: World, companies: int) -> list[Person]:
    return [p for d in world.sample_domains(companies, seed_offset=2) for p in world.people(d)]


def test_email_guesses_are_mostly_right_and_wrong_ones_verify_invalid(small_world: World) -> None:
    people = _sample_people(small_world, 300)
    assert len(people) > 3_000
    known = wrong = 0
    for person in people:
        guess = small_world.email_guess("leadmagic", person)
        if guess is None:
            continue
        known += 1
        company = small_world.company(person.company_domain)
        assert company is not None
        verdict = small_world.verify("reoon", guess)
        if guess == person.work_email:
            assert verdict in (person.email_status, "unknown")
            continue
        wrong += 1
        assert small_world.person_by_email(guess) is None
        assert verdict in (("catch_all",) if company.is_catch_all else ("invalid",)) + ("unknown",)
    assert abs(known / len(people) - COVERAGE["leadmagic"]) < 0.03
    assert abs(wrong / known - WRONG_GUESS_RATE) < 0.015
    assert small_world.email_guess("leadmagic", people[0]) == small_world.email_guess("leadmagic", people[0])


def test_verify_tells_the_truth_with_a_little_unknown(small_world: World) -> None:
    people = _sample_people(small_world, 200)
    verdicts = Counter(small_world.verify("millionverifier", p.work_email) for p in people)
    unknown_share = verdicts["unknown"] / len(people)
    assert 0.01 < unknown_share < 0.06
    for person in people[:500]:
        verdict = small_world.verify("millionverifier", person.work_email)
        assert verdict in (person.email_status, "unknown")
    statuses = Counter(p.email_status for p in people if p.email_status != "catch_all")
    assert 0.01 < statuses["invalid"] / sum(statuses.values()) < 0.06
    catch_all = next(c for c in small_world.companies() if c.is_catch_all)
    assert small_world.verify("reoon", f"zz.nobody.here@{catch_all.domain}") in ("catch_all", "unknown")
    plain = next(c for c in small_world.companies() if not c.is_catch_all)
    assert small_world.verify("reoon", f"zz.nobody.here@{plain.domain}") in ("invalid", "unknown")
    assert small_world.verify("reoon", "someone@unknown-domain.example") == "unknown"
    assert small_world.verify("reoon", "not an email") == "invalid"


# -- searches ----------------------------------------------------------------------------------------


def _all_pages(search: Callable[..., tuple[list[T], int]], page_size: int) -> tuple[list[T], int]:
    items: list[T] = []
    offset = 0
    while True:
        page, total = search(offset=offset, limit=page_size)
        items += page
        offset += page_size
        if offset >= total:
            return items, total


def test_search_companies_filters_and_pages(small_world: World) -> None:
    companies = list(small_world.companies())
    expected = [
        c
        for c in companies
        if c.industry == "Computer Software"
        and c.hq_country_code in ("US", "GB")
        and 20 <= c.employee_count <= 900
    ]
    items, total = _all_pages(
        lambda **page: small_world.search_companies(
            industry="computer software", country_code=["us", "GB"], employee_min=20, employee_max=900, **page
        ),
        page_size=7,
    )
    assert total == len(expected) > 10
    assert [c.index for c in items] == [c.index for c in expected]
    needle = companies[5].name.split()[0][:5]
    hits, total = small_world.search_companies(name_contains=needle.upper(), limit=500)
    assert total == len(hits) == sum(needle.lower() in c.name.lower() for c in companies)
    assert small_world.search_companies(industry="No Such Industry") == ([], 0)
    page, total = small_world.search_companies(offset=10_000)
    assert page == [] and total == SMALL


def test_search_companies_is_fast_on_20k(big_world: World) -> None:
    big_world.search_companies(country_code="US")  # warm the page's companies into the cache
    started = time.perf_counter()
    for _ in range(10):
        big_world.search_companies(country_code="US", employee_min=50, employee_max=5_000, name_contains="a")
    per_search = (time.perf_counter() - started) / 10
    print(f"search_companies on 20k companies: {per_search * 1000:.1f} ms")
    assert per_search < 0.2


def test_search_people_filters_and_pages(small_world: World) -> None:
    domain = max(small_world.companies(), key=lambda c: c.employee_count).domain
    people = small_world.people(domain)
    expected = [p for p in people if p.seniority in ("vp", "director") and p.department == "engineering"]
    items, total = _all_pages(
        lambda **page: small_world.search_people(
            domain, seniority=["VP", "director"], department="engineering", **page
        ),
        page_size=3,
    )
    assert items == expected and total == len(expected) > 0
    titled, total = small_world.search_people(domain, title_contains="ENGINEER", limit=1000)
    assert titled == [p for p in people if "engineer" in p.title.lower()] and total == len(titled)
    local, total = small_world.search_people(domain, country_code="us", limit=1000)
    assert all(p.country_code == "US" for p in local) and total == len(local)
    assert small_world.search_people("unknown-domain.example") == ([], 0)


def test_search_stores_filters_and_pages(small_world: World) -> None:
    stores = [(c, c.store) for c in small_world.companies() if c.store]
    app = Counter(a.token for _, s in stores for a in s.installed_apps).most_common(1)[0][0]
    matching = [
        (s.global_rank, c.index)
        for c, s in stores
        if s.platform == "shopify"
        and c.hq_country_code == "US"
        and any(a.token == app for a in s.installed_apps)
    ]
    items, total = _all_pages(
        lambda **page: small_world.search_stores(
            platform="Shopify", country_code="us", app_installed=app, **page
        ),
        page_size=4,
    )
    assert [c.index for c in items] == [index for _, index in sorted(matching)] and total > 0
    ranked, total = small_world.search_stores(rank_min=1_000, rank_max=20_000, limit=500)
    ranks = [c.store.global_rank for c in ranked if c.store]
    assert ranks == sorted(ranks) and all(1_000 <= r <= 20_000 for r in ranks) and total == len(ranked)


# -- relations ---------------------------------------------------------------------------------------


def test_champions_are_real_people_at_customers(small_world: World) -> None:
    vendors = [c for c in small_world.companies() if c.customers][:30]
    champions = [(v, ch) for v in vendors for ch in small_world.champions(v.domain)]
    assert len(champions) > 20
    for vendor, champion in champions:
        assert champion.company_domain in vendor.customers
        assert champion.case_study_url.startswith(f"https://{vendor.domain}/customers/")
        assert vendor.name in champion.testimonial
        person = small_world.person_by_linkedin(champion.person_linkedin_url)
        assert person is not None and person.full_name == champion.full_name
        assert person.company_domain == champion.company_domain and person.title == champion.job_title
    assert small_world.champions("unknown-domain.example") == ()


def test_alumni_are_exactly_the_people_who_used_to_work_there() -> None:
    world = World(seed=5, company_count=300)
    everyone: list[Person] = [p for c in world.companies() for p in world.people(c.domain)]
    former: dict[str, set[str]] = {}
    for person in everyone:
        for job in person.work_history[1:]:
            former.setdefault(job.company_domain, set()).add(person.person_id)
    assert len(former) > 200
    for company in list(world.companies())[:60]:
        alumni = world.alumni(company.domain)
        assert {p.person_id for p in alumni} == former.get(company.domain, set())
        assert all(p.company_domain != company.domain for p in alumni)
    assert len(world.alumni(next(iter(former)), limit=1)) == 1


# -- scale and speed ---------------------------------------------------------------------------------


def test_construction_is_fast_and_scales() -> None:
    started = time.perf_counter()
    world = World(seed=11, company_count=20_000)
    elapsed = time.perf_counter() - started
    print(f"World(company_count=20_000) built in {elapsed:.2f} s")
    assert elapsed < 5.0
    assert isinstance(world.company_at(19_999), Company)
    large = World(seed=11, company_count=50_000)
    assert large.company_at(49_999).index == 49_999
    assert len(set(large.sample_domains(50_000))) == 50_000


def test_people_of_one_company_generate_quickly() -> None:
    world = World(seed=13, company_count=SMALL)  # fresh, so nothing is cached yet
    timings = []
    for company in world.search_companies(employee_min=750, limit=3)[0]:
        started = time.perf_counter()
        people = world.people(company.domain)
        timings.append(time.perf_counter() - started)
        assert len(people) == 250
    print("people generation for 250-person companies (ms):", [round(t * 1000, 1) for t in timings])
    assert min(timings) < 0.05


def test_sample_domains_is_deterministic(small_world: World) -> None:
    sample = small_world.sample_domains(50)
    assert sample == small_world.sample_domains(50) and len(set(sample)) == 50
    assert sample != small_world.sample_domains(50, seed_offset=1)
    assert all(small_world.company(d) is not None for d in sample)
    assert len(small_world.sample_domains(10 * SMALL)) == SMALL
