"""The synthetic world behind the provider sandbox: companies, their people, and what each provider knows.

Every answer is a pure function of the seed. Each family of facts about a company (core, profile, phone,
store, ads, pricing, relations, funding, card revenue) and each person is drawn from its own
``random.Random(f"{seed}:{topic}:{index}")`` stream (string seeds are hashed with SHA-512, never with the
per-process salted ``hash()``), so one seed gives byte-identical answers in any process and any fact can
be built alone, on demand. Only a few core columns per company are built up front; full companies and
people are built when asked for and kept in bounded LRU caches. Coverage is what makes waterfalls
matter: ``knows(provider, key)`` compares a blake2b draw per (seed, provider, key) with the provider's
rate in ``COVERAGE``, so providers know overlapping but different parts of the world; a few found emails
are wrong guesses and verifiers sometimes answer "unknown".

The fact types live in ``world_companies`` and ``world_people`` and are re-exported here, so routes
import everything from this module.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from array import array
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from functools import lru_cache
from heapq import merge
from itertools import accumulate
from typing import Literal, NamedTuple
from urllib.parse import unquote

from providers.sandbox import world_data as data
from providers.sandbox.world_companies import (
    Ad,
    AdPlatform,
    Ads,
    App,
    CardRevenue,
    Company,
    CompanyBasics,
    ContactInfo,
    Funding,
    Investor,
    MonthlyCardRevenue,
    PricingFacts,
    Store,
    Technology,
    build_company,
    build_store,
    topic_rng,
)
from providers.sandbox.world_data import AS_OF, IndustrySpec
from providers.sandbox.world_people import (
    EMAIL_PATTERNS,
    SENIORITIES,
    Champion,
    Employer,
    Job,
    Person,
    PersonEmailStatus,
    School,
    Seniority,
    ascii_slug,
    build_people,
    champion_quote,
    decode_person_code,
    e164,
    people_count,
    render_email,
)

__all__ = [
    "AS_OF",
    "COVERAGE",
    "DEFAULT_COVERAGE",
    "EMAIL_PATTERNS",
    "SENIORITIES",
    "WRONG_GUESS_RATE",
    "Ad",
    "AdPlatform",
    "Ads",
    "App",
    "CardRevenue",
    "Champion",
    "Company",
    "ContactInfo",
    "EmailVerdict",
    "Funding",
    "Investor",
    "Job",
    "MonthlyCardRevenue",
    "Person",
    "PersonEmailStatus",
    "PricingFacts",
    "School",
    "Seniority",
    "Store",
    "Technology",
    "World",
    "normalize_domain",
]

EmailVerdict = Literal["valid", "invalid", "catch_all", "unknown"]

COVERAGE: dict[str, float] = {
    "prospeo": 0.78,
    "blitzapi": 0.70,
    "companyenrich": 0.65,
    "leadmagic": 0.72,
    "icypeas": 0.60,
    "parallel": 0.55,
    "ampleleads": 0.50,
    "storeleads": 1.0,
    "enigma": 0.80,
    "adyntel": 1.0,
    "revenueinfra": 0.85,
    "gemini": 0.80,
    "openai": 0.75,
    "millionverifier": 1.0,
    "reoon": 1.0,
}
DEFAULT_COVERAGE = 0.7
WRONG_GUESS_RATE = 0.04
VERIFY_UNKNOWN_RATE: dict[str, float] = {"millionverifier": 0.03, "reoon": 0.05, "leadmagic": 0.04}
DEFAULT_VERIFY_UNKNOWN_RATE = 0.03
CATCH_ALL_RATE = 0.15


_ALL_TLDS = sorted({t for t, _ in data.GENERIC_TLDS} | set(data.COUNTRY_TLDS.values()), key=len, reverse=True)
_COUNTRY_CODES = tuple(c[0] for c in data.COUNTRIES)
_PARTNERSHIP_INDUSTRIES = {"Management Consulting", "Staffing and Recruiting", "Real Estate", "Construction"}
_STORE_RATE = {"saas": 0.04, "b2b": 0.06, "consumer": 0.65}
_LINKEDIN_ID_BASE, _LINKEDIN_ID_STRIDE = 1_000_000, 331
_DOMAIN_RE = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
_EMAIL_RE = re.compile(r"[a-z0-9._%+-]+@(?:[a-z0-9-]+\.)+[a-z]{2,63}")
_LINKEDIN_RE = re.compile(r"(?:https?://)?(?:[a-z]{2,3}\.)?linkedin\.com/(in|company)/([^/?#]+)/?(?:[?#].*)?")


def normalize_domain(text: str) -> str | None:
    """Reduce a messy domain, URL or email address to a bare lowercase domain, or None if there is none."""
    value = text.strip().lower()
    if "://" in value:
        value = value.split("://", 1)[1]
    value = re.split(r"[/?#]", value, maxsplit=1)[0].rsplit("@", 1)[-1].split(":", 1)[0].rstrip(".")
    value = re.sub(r"^www\d*\.", "", value)
    if not value.isascii():
        try:
            value = value.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    return value if _DOMAIN_RE.fullmatch(value) else None


def _cumulative(weights: Sequence[float]) -> tuple[list[float], float]:
    cum = list(accumulate(weights))
    return cum, cum[-1]


def _as_set(value: str | Sequence[str] | None, *, upper: bool = False) -> frozenset[str] | None:
    if value is None:
        return None
    items = [value] if isinstance(value, str) else list(value)
    return frozenset(v.strip().upper() if upper else v.strip().lower() for v in items)


def _draw_name(rng: random.Random, spec: IndustrySpec) -> tuple[str, str]:
    """Draw a company name and the stem of its domain ("Brightpath Analytics", "brightpath-analytics")."""
    if spec.name in _PARTNERSHIP_INDUSTRIES and rng.random() < 0.25:
        first, second = rng.sample(data.LAST_NAMES, 2)
        if rng.random() < 0.5:
            return f"{first} & {second}", f"{ascii_slug(first)}{ascii_slug(second)}"
        word = rng.choice(spec.name_words)
        return f"{first} {word}", f"{ascii_slug(first)}-{ascii_slug(word)}"
    base = rng.choice(data.NAME_PREFIXES) + rng.choice(data.NAME_ROOTS)
    slug = base.lower()
    if rng.random() < 0.7:
        word = rng.choice(spec.name_words)
        r = rng.random()
        forms = (f"{slug}-{ascii_slug(word)}", f"{slug}{ascii_slug(word)}", slug, f"get{slug}")
        return f"{base} {word}", forms[0 if r < 0.45 else 1 if r < 0.75 else 2 if r < 0.9 else 3]
    r = rng.random()
    return base, (slug, f"get{slug}", f"{slug}hq", f"try{slug}")[
        0 if r < 0.75 else 1 if r < 0.85 else 2 if r < 0.95 else 3
    ]


class CompanyBrief(NamedTuple):
    """What a list of related companies shows of each: read off the world without building it."""

    name: str
    domain: str
    linkedin_url: str


class World:
    """A deterministic synthetic world of companies and people, with per-provider coverage."""

    def __init__(
        self,
        seed: int = 7,
        company_count: int = 20_000,
        *,
        company_cache_size: int = 2048,
        people_cache_size: int = 128,
    ) -> None:
        if company_count < 1:
            raise ValueError("company_count must be at least 1")
        self.seed = seed
        self.company_count = company_count
        self._names: list[str] = []
        self._domains: list[str] = []
        self._country: list[str] = []
        self._industry = bytearray(company_count)
        self._city = bytearray(company_count)
        self._pattern = bytearray(company_count)
        self._catch_all = bytearray(company_count)
        self._has_store = bytearray(company_count)
        self._employees = array("i", bytes(4 * company_count))
        self._founded = array("H", bytes(2 * company_count))
        self._linkedin_rem = array("H", bytes(2 * company_count))
        self._by_domain: dict[str, int] = {}
        self._by_name: dict[str, int] = {}
        self._build_core()
        self._by_industry: list[list[int]] = [[] for _ in data.INDUSTRIES]
        self._ring_pos = array("i", bytes(4 * company_count))
        for i, industry in enumerate(self._industry):
            self._ring_pos[i] = len(self._by_industry[industry])
            self._by_industry[industry].append(i)
        self._store_rows: list[tuple[int, str, str, int, frozenset[str]]] | None = None
        self._company_at = lru_cache(maxsize=company_cache_size)(self._build_company)
        self._people_at = lru_cache(maxsize=people_cache_size)(self._build_people)

    # -- construction -------------------------------------------------------------------------------

    def _build_core(self) -> None:
        industry_cum, industry_total = _cumulative([s.weight for s in data.INDUSTRIES])
        country_cum, country_total = _cumulative([c[1] for c in data.COUNTRIES])
        bucket_cum, bucket_total = _cumulative([b[3] for b in data.EMPLOYEE_BUCKETS])
        pattern_cum, pattern_total = _cumulative((45, 25, 10, 8, 12))
        tld_cum, tld_total = _cumulative([w for _, w in data.GENERIC_TLDS])
        taken_stems: set[str] = set()
        for i in range(self.company_count):
            rng = topic_rng(self.seed, "core", i)
            industry = bisect_right(industry_cum, rng.random() * industry_total)
            spec = data.INDUSTRIES[industry]
            country = _COUNTRY_CODES[bisect_right(country_cum, rng.random() * country_total)]
            bucket = bisect_right(bucket_cum, rng.random() * bucket_total)
            _, low, high, _ = data.EMPLOYEE_BUCKETS[bucket]
            employees = min(high, max(low, int(math.exp(rng.uniform(math.log(low), math.log(high + 1))))))
            pattern = bisect_right(pattern_cum, rng.random() * pattern_total)
            if pattern == 2 and employees > 60:  # "{first}@" only works for small teams
                pattern = 0
            self._industry[i] = industry
            self._city[i] = rng.randrange(len(data.CITIES[country]))
            self._employees[i] = employees
            self._founded[i] = max(1890, AS_OF.year - 1 - int(rng.expovariate(1.0 / (4 + 4 * bucket))))
            self._pattern[i] = pattern
            self._catch_all[i] = rng.random() < CATCH_ALL_RATE
            self._has_store[i] = rng.random() < _STORE_RATE[spec.kind]
            self._linkedin_rem[i] = rng.randrange(_LINKEDIN_ID_STRIDE)
            for attempt in range(25):
                name, stem = _draw_name(rng, spec)
                if attempt == 24:  # a crowded name space: the index makes it unique
                    name, stem = f"{name} {i}", f"{stem}{i}"
                if name.lower() not in self._by_name and stem not in taken_stems:
                    break
            local_tld = data.COUNTRY_TLDS.get(country)
            if local_tld and rng.random() < 0.4:
                tld = local_tld
            else:
                tld = data.GENERIC_TLDS[bisect_right(tld_cum, rng.random() * tld_total)][0]
                tld = "co" if tld == "ai" and spec.kind == "consumer" else tld
            domain = f"{stem}.{tld}"
            taken_stems.add(stem)
            self._names.append(name)
            self._domains.append(domain)
            self._country.append(country)
            self._by_domain[domain] = i
            self._by_name[name.lower()] = i

    def _unit(self, *parts: str) -> float:
        """Draw a uniform number in [0, 1) from the seed and the parts, the same in every process."""
        digest = hashlib.blake2b(":".join((str(self.seed), *parts)).encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big") / 2**64

    def _stem(self, i: int) -> str:
        domain = self._domains[i]
        tld = next(t for t in _ALL_TLDS if domain.endswith(f".{t}"))
        return domain[: -len(tld) - 1]

    def _linkedin_url(self, i: int) -> str:
        return f"https://www.linkedin.com/company/{self._stem(i)}"

    def _basics(self, i: int) -> CompanyBasics:
        country = self._country[i]
        city, state, area = data.CITIES[country][self._city[i]]
        phone_rng = topic_rng(self.seed, "phone", i)
        phone = e164(phone_rng, country, mobile=False, area=area) if phone_rng.random() < 0.75 else None
        return CompanyBasics(
            index=i,
            name=self._names[i],
            domain=self._domains[i],
            stem=self._stem(i),
            spec=data.INDUSTRIES[self._industry[i]],
            employee_count=self._employees[i],
            founded_year=self._founded[i],
            country_code=country,
            city=city,
            state=state,
            phone=phone,
        )

    def _build_company(self, i: int) -> Company:
        return build_company(
            self.seed,
            self._basics(i),
            email_pattern=EMAIL_PATTERNS[self._pattern[i]],
            is_catch_all=bool(self._catch_all[i]),
            linkedin_id=str(_LINKEDIN_ID_BASE + i * _LINKEDIN_ID_STRIDE + self._linkedin_rem[i]),
            has_store=bool(self._has_store[i]),
            relations=self._relations(i),
        )

    def _pick_others(self, rng: random.Random, pool: Sequence[int], exclude: int, count: int) -> list[int]:
        picked: list[int] = []
        for _ in range(count * 3):
            j = pool[rng.randrange(len(pool))]
            if j != exclude and j not in picked:
                picked.append(j)
                if len(picked) == count:
                    break
        return picked

    def _relations(self, i: int) -> tuple[tuple[str, ...], tuple[tuple[str, float], ...], tuple[str, ...]]:
        rng = topic_rng(self.seed, "relations", i)
        peers = self._by_industry[self._industry[i]]
        rivals = self._pick_others(rng, peers, i, rng.randint(3, 5)) if rng.random() < 0.6 else []
        similar: list[tuple[str, float]] = []
        if rng.random() < 0.85:
            size = math.log(self._employees[i] + 1)
            scored = []
            for j in dict.fromkeys(rivals + self._pick_others(rng, peers, i, 20)):
                closeness = 1 - min(1.0, abs(math.log(self._employees[j] + 1) - size) / 5)
                score = 0.3 + 0.35 * closeness + 0.1 * (self._country[j] == self._country[i])
                score += 0.15 * rng.random() + (0.09 if j in rivals else 0)
                scored.append((round(min(score, 0.99), 3), j))
            scored.sort(key=lambda pair: (-pair[0], pair[1]))
            similar = [(self._domains[j], score) for score, j in scored[: rng.randint(5, 10)]]
        customers: list[int] = []
        if data.INDUSTRIES[self._industry[i]].kind != "consumer" and rng.random() < 0.55:
            customers = self._pick_others(rng, range(self.company_count), i, rng.randint(2, 8))
        return (
            tuple(self._domains[j] for j in rivals),
            tuple(similar),
            tuple(self._domains[j] for j in customers),
        )

    def _employer(self, i: int) -> Employer:
        country = self._country[i]
        return Employer(
            index=i,
            name=self._names[i],
            domain=self._domains[i],
            founded_year=self._founded[i],
            employee_count=self._employees[i],
            country_code=country,
            city=data.CITIES[country][self._city[i]][0],
            email_pattern=EMAIL_PATTERNS[self._pattern[i]],
            is_catch_all=bool(self._catch_all[i]),
        )

    def _career_ring(self, i: int, direction: int) -> list[int]:
        # People move between neighbours on their industry's ring: the companies after a company are where
        # its people used to work, so the companies before it are where its alumni work now.
        ring = self._by_industry[self._industry[i]]
        pos = self._ring_pos[i]
        return [
            j for j in dict.fromkeys(ring[(pos + direction * d) % len(ring)] for d in range(1, 7)) if j != i
        ]

    def _build_people(self, i: int) -> tuple[Person, ...]:
        return build_people(
            self.seed, self._employer(i), [self._employer(j) for j in self._career_ring(i, 1)]
        )

    def _index(self, domain: str) -> int | None:
        normalized = normalize_domain(domain)
        while normalized:
            if normalized in self._by_domain:
                return self._by_domain[normalized]
            normalized = normalized.split(".", 1)[1] if normalized.count(".") > 1 else None
        return None

    # -- companies ----------------------------------------------------------------------------------

    def company(self, domain: str) -> Company | None:
        """Find a company by domain, URL or email address, in any casing, with or without `www.`."""
        i = self._index(domain)
        return None if i is None else self._company_at(i)

    def brief(self, domain: str) -> CompanyBrief | None:
        """Find a company's name, domain and LinkedIn URL (cheap: a related-companies list has many)."""
        i = self._index(domain)
        return None if i is None else CompanyBrief(self._names[i], self._domains[i], self._linkedin_url(i))

    def company_at(self, index: int) -> Company:
        """Return the company at a position in the world (0 <= index < company_count)."""
        if not 0 <= index < self.company_count:
            raise IndexError(index)
        return self._company_at(index)

    def company_by_linkedin(self, url: str) -> Company | None:
        """Find a company by its LinkedIn page URL, by slug or by numeric id."""
        match = _LINKEDIN_RE.fullmatch(url.strip().lower())
        if not match or match.group(1) != "company":
            return None
        slug = unquote(match.group(2))
        if slug.isdigit():
            i, rem = divmod(int(slug) - _LINKEDIN_ID_BASE, _LINKEDIN_ID_STRIDE)
            ok = 0 <= i < self.company_count and self._linkedin_rem[i] == rem
            return self._company_at(i) if ok else None
        index = next((self._by_domain[d] for t in _ALL_TLDS if (d := f"{slug}.{t}") in self._by_domain), None)
        return None if index is None else self._company_at(index)

    def company_by_name(self, name: str) -> Company | None:
        """Find a company by its exact name, ignoring case and surrounding spaces."""
        i = self._by_name.get(" ".join(name.split()).lower())
        return None if i is None else self._company_at(i)

    def companies(self) -> Iterator[Company]:
        """Iterate over every company in index order (built one by one, bypassing the cache)."""
        for i in range(self.company_count):
            yield self._build_company(i)

    def sample_domains(self, n: int, *, seed_offset: int = 0) -> list[str]:
        """Return a deterministic sample of n distinct company domains."""
        rng = random.Random(f"{self.seed}:sample:{seed_offset}")
        return [self._domains[i] for i in rng.sample(range(self.company_count), min(n, self.company_count))]

    def search_companies(
        self,
        *,
        industry: str | Sequence[str] | None = None,
        country_code: str | Sequence[str] | None = None,
        employee_min: int | None = None,
        employee_max: int | None = None,
        name_contains: str | None = None,
        offset: int = 0,
        limit: int = 25,
    ) -> tuple[list[Company], int]:
        """Filter companies, returning one page in index order and the total number of matches."""
        candidates: Iterator[int] | range = range(self.company_count)
        industries = _as_set(industry)
        if industries is not None:
            wanted = [k for k, spec in enumerate(data.INDUSTRIES) if spec.name.lower() in industries]
            candidates = merge(*(self._by_industry[k] for k in wanted))
        countries = _as_set(country_code, upper=True)
        low = employee_min if employee_min is not None else 0
        high = employee_max if employee_max is not None else 2**31 - 1
        needle = name_contains.strip().lower() if name_contains else None
        employees, names, country_of = self._employees, self._names, self._country
        hits = [
            i
            for i in candidates
            if low <= employees[i] <= high
            and (countries is None or country_of[i] in countries)
            and (needle is None or needle in names[i].lower())
        ]
        start = max(0, offset)
        return [self._company_at(i) for i in hits[start : start + max(0, limit)]], len(hits)

    def search_stores(
        self,
        *,
        platform: str | Sequence[str] | None = None,
        country_code: str | Sequence[str] | None = None,
        app_installed: str | None = None,
        rank_min: int | None = None,
        rank_max: int | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> tuple[list[Company], int]:
        """Filter companies with an online store, best global rank first; return a page and the total."""
        if self._store_rows is None:  # built on first use: it needs every store, which construction skips
            rows = []
            for i in range(self.company_count):
                if self._has_store[i]:
                    store = build_store(self.seed, self._basics(i))
                    apps = frozenset(k for app in store.installed_apps for k in (app.token, app.name.lower()))
                    rows.append((i, store.platform, store.country_code, store.global_rank, apps))
            self._store_rows = sorted(rows, key=lambda row: (row[3], row[0]))
        platforms, countries = _as_set(platform), _as_set(country_code, upper=True)
        app = app_installed.strip().lower() if app_installed else None
        low, high = rank_min or 0, rank_max if rank_max is not None else 2**63
        hits = [
            row[0]
            for row in self._store_rows
            if low <= row[3] <= high
            and (platforms is None or row[1] in platforms)
            and (countries is None or row[2] in countries)
            and (app is None or app in row[4])
        ]
        start = max(0, offset)
        return [self._company_at(i) for i in hits[start : start + max(0, limit)]], len(hits)

    # -- people -------------------------------------------------------------------------------------

    def people(self, domain: str) -> tuple[Person, ...]:
        """Return the people the world holds for a company (empty for an unknown domain)."""
        i = self._index(domain)
        return () if i is None else self._people_at(i)

    def _person_by_code(self, code: str) -> Person | None:
        decoded = decode_person_code(self.seed, code)
        if decoded is None:
            return None
        i, k = decoded
        if not 0 <= i < self.company_count or k >= people_count(self._employees[i]):
            return None
        return self._people_at(i)[k]

    def person_by_linkedin(self, url: str) -> Person | None:
        """Find a person from their LinkedIn profile URL, whatever its casing, scheme or trailing slash."""
        match = _LINKEDIN_RE.fullmatch(url.strip().lower())
        if not match or match.group(1) != "in":
            return None
        slug = unquote(match.group(2))
        person = self._person_by_code(slug.rpartition("-")[2])
        return person if person is not None and person.linkedin_url.endswith(f"/{slug}") else None

    def person_by_id(self, person_id: str) -> Person | None:
        """Find a person by their `person_id`."""
        prefix, _, code = person_id.strip().lower().partition("_")
        return self._person_by_code(code) if prefix == "per" else None

    def person_by_email(self, email: str) -> Person | None:
        """Find the person whose work email this is."""
        address = email.strip().lower()
        i = self._by_domain.get(address.rpartition("@")[2])
        if i is None:
            return None
        return next((p for p in self._people_at(i) if p.work_email == address), None)

    def find_person(self, first_name: str, last_name: str, domain: str) -> Person | None:
        """Find a person by name at a company; accents and case do not matter."""
        i = self._index(domain)
        if i is None:
            return None
        first, last = ascii_slug(first_name), ascii_slug(last_name)
        return next(
            (
                p
                for p in self._people_at(i)
                if ascii_slug(p.first_name) == first and ascii_slug(p.last_name) == last
            ),
            None,
        )

    def search_people(
        self,
        domain: str,
        *,
        title_contains: str | None = None,
        seniority: str | Sequence[str] | None = None,
        department: str | Sequence[str] | None = None,
        country_code: str | Sequence[str] | None = None,
        offset: int = 0,
        limit: int = 25,
    ) -> tuple[list[Person], int]:
        """Filter the people of one company, returning one page and the total number of matches."""
        i = self._index(domain)
        if i is None:
            return [], 0
        seniorities, departments = _as_set(seniority), _as_set(department)
        countries = _as_set(country_code, upper=True)
        needle = title_contains.strip().lower() if title_contains else None
        hits = [
            p
            for p in self._people_at(i)
            if (needle is None or needle in p.title.lower())
            and (seniorities is None or p.seniority in seniorities)
            and (departments is None or p.department in departments)
            and (countries is None or p.country_code in countries)
        ]
        start = max(0, offset)
        return hits[start : start + max(0, limit)], len(hits)

    def champions(self, domain: str) -> tuple[Champion, ...]:
        """Return the people at a company's customers who are quoted in its case studies."""
        vendor = self.company(domain)
        if vendor is None:
            return ()
        found = []
        for customer_domain in vendor.customers:
            j = self._by_domain[customer_domain]
            rng = random.Random(f"{self.seed}:champion:{vendor.index}:{j}")
            leaders = [
                p for p in self._people_at(j) if p.seniority in ("c_suite", "vp", "director", "manager")
            ]
            if rng.random() >= 0.7 or not leaders:
                continue
            person = rng.choice(leaders)
            found.append(
                Champion(
                    full_name=person.full_name,
                    job_title=person.title,
                    company_name=self._names[j],
                    company_domain=customer_domain,
                    company_linkedin_url=self._linkedin_url(j),
                    person_linkedin_url=person.linkedin_url,
                    case_study_url=f"https://{vendor.domain}/customers/{self._stem(j)}",
                    testimonial=champion_quote(rng, vendor.name, person),
                )
            )
        return tuple(found)

    def alumni(self, domain: str, *, limit: int | None = None) -> tuple[Person, ...]:
        """Return people who used to work at a company and now work elsewhere."""
        i = self._index(domain)
        if i is None:
            return ()
        target, found = self._domains[i], []
        for j in self._career_ring(i, -1):
            for person in self._people_at(j):
                if any(job.company_domain == target for job in person.work_history[1:]):
                    found.append(person)
                    if limit is not None and len(found) >= limit:
                        return tuple(found)
        return tuple(found)

    # -- providers ----------------------------------------------------------------------------------

    def knows(self, provider: str, key: str) -> bool:
        """Tell whether a provider has data on a key (a company domain or a person_id), deterministically."""
        name = provider.strip().lower()
        return self._unit("knows", name, key.strip().lower()) < COVERAGE.get(name, DEFAULT_COVERAGE)

    def email_guess(self, provider: str, person: Person) -> str | None:
        """Return the email a provider answers for a person: None if unknown, rarely a wrong guess."""
        if not self.knows(provider, person.person_id):
            return None
        if self._unit("guess", provider.strip().lower(), person.person_id) >= WRONG_GUESS_RATE:
            return person.work_email
        i = self._by_domain.get(person.company_domain)
        if i is None:
            return person.work_email
        taken = {p.work_email for p in self._people_at(i)}
        # Another common pattern, skipping any address a real person holds (that one would verify valid).
        patterns = [p for p in EMAIL_PATTERNS if p != EMAIL_PATTERNS[self._pattern[i]]]
        patterns += ["{first}{last}", "{last}.{first}", "{first}.{last}.{l}"]
        guesses = [
            guess
            for p in patterns
            if (guess := render_email(p, person.first_name, person.last_name, person.company_domain))
            not in taken
        ]
        return guesses[int(self._unit("wrong", provider.strip().lower(), person.person_id) * len(guesses))]

    def verify(self, provider: str, email: str) -> EmailVerdict:
        """Return what a verifier says of an address: the world's truth, with a small share of "unknown"."""
        address = email.strip().lower()
        if not _EMAIL_RE.fullmatch(address):
            return "invalid"
        i = self._by_domain.get(address.rpartition("@")[2])
        if i is None:
            return "unknown"
        name = provider.strip().lower()
        if self._unit("verify", name, address) < VERIFY_UNKNOWN_RATE.get(name, DEFAULT_VERIFY_UNKNOWN_RATE):
            return "unknown"
        if self._catch_all[i]:
            return "catch_all"
        person = next((p for p in self._people_at(i) if p.work_email == address), None)
        return "invalid" if person is None else person.email_status
