"""People of the synthetic world: generated per company on demand, deterministically from the seed.

A person is never stored in a global index. Their LinkedIn URL and id carry a code that decodes back to
(company index, person index), so a lookup regenerates one company's staff instead of searching everyone.
"""

from __future__ import annotations

import hashlib
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from providers.sandbox.world_data import (
    AS_OF,
    ASCII_FOLD,
    BACHELOR_DEGREES,
    C_SUITE_TITLES,
    CEO_TITLES,
    CITIES,
    COUNTRIES,
    DEPARTMENT_LABELS,
    DEPARTMENT_WEIGHTS,
    DIRECTOR_FORMS,
    FIRST_NAMES,
    LAST_NAMES,
    ROLE_TITLES,
    SCHOOL_FIELDS,
    SCHOOLS,
    SKILLS,
    VP_FORMS,
)

Seniority = Literal["c_suite", "vp", "director", "manager", "senior", "entry"]
PersonEmailStatus = Literal["valid", "invalid", "catch_all"]

SENIORITIES: tuple[Seniority, ...] = ("c_suite", "vp", "director", "manager", "senior", "entry")
EMAIL_PATTERNS: tuple[str, ...] = ("{first}.{last}", "{f}{last}", "{first}", "{first}{l}", "{first}_{last}")
MAX_PEOPLE_PER_COMPANY = 250
BOUNCE_RATE = 0.03  # share of people whose pattern address no longer accepts mail

_CODE_SPACE = 36**8
_CODE_MULTIPLIER = 2_654_435_761  # prime, hence invertible modulo 36**8
_CODE_INVERSE = pow(_CODE_MULTIPLIER, -1, _CODE_SPACE)
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_SENIORITY_SHARES: tuple[tuple[Seniority, float], ...] = (
    ("c_suite", 0.04),
    ("vp", 0.06),
    ("director", 0.10),
    ("manager", 0.18),
    ("senior", 0.28),
)
_EXPERIENCE_YEARS: dict[Seniority, tuple[int, int]] = {
    "entry": (0, 4),
    "senior": (4, 12),
    "manager": (5, 15),
    "director": (8, 20),
    "vp": (10, 25),
    "c_suite": (12, 30),
}
_ROLE_DEPARTMENTS = tuple(d for d in DEPARTMENT_WEIGHTS)
_ROLE_WEIGHTS = tuple(DEPARTMENT_WEIGHTS[d] for d in _ROLE_DEPARTMENTS)
_COUNTRY_CODES = tuple(c[0] for c in COUNTRIES)
_COUNTRY_WEIGHTS = tuple(c[1] for c in COUNTRIES)
_PHONE_PLAN = {c[0]: (c[2], c[3], c[4]) for c in COUNTRIES}


@dataclass(frozen=True, slots=True)
class Job:
    """One position in a work history; `end_date` is None for the current job."""

    company_name: str
    company_domain: str
    title: str
    start_date: str
    end_date: str | None


@dataclass(frozen=True, slots=True)
class School:
    """One degree in a person's education."""

    name: str
    degree: str
    field: str
    end_year: int


@dataclass(frozen=True, slots=True)
class Person:
    """A person as the world knows them; `work_history[0]` is the current job."""

    person_id: str
    company_domain: str
    first_name: str
    last_name: str
    full_name: str
    title: str
    seniority: Seniority
    department: str
    city: str
    country_code: str
    linkedin_url: str
    headline: str
    work_email: str
    email_status: PersonEmailStatus
    mobile_phone: str | None
    work_history: tuple[Job, ...]
    education: tuple[School, ...]
    skills: tuple[str, ...]
    connections_count: int
    follower_count: int


@dataclass(frozen=True, slots=True)
class Champion:
    """A person at a customer company quoted in a vendor's case study."""

    full_name: str
    job_title: str
    company_name: str
    company_domain: str
    company_linkedin_url: str
    person_linkedin_url: str
    case_study_url: str
    testimonial: str


@dataclass(frozen=True, slots=True)
class Employer:
    """The few company facts that generating people needs, cheaper to build than a full Company."""

    index: int
    name: str
    domain: str
    founded_year: int
    employee_count: int
    country_code: str
    city: str
    email_pattern: str
    is_catch_all: bool


@lru_cache(maxsize=4096)
def ascii_slug(text: str) -> str:
    """Fold a name to lowercase ASCII letters and digits ("José O'Brien" -> "joseobrien")."""
    folded = unicodedata.normalize("NFKD", text.lower().translate(ASCII_FOLD))
    return "".join(ch for ch in folded if ch.isascii() and ch.isalnum())


def render_email(pattern: str, first_name: str, last_name: str, domain: str) -> str:
    """Build the address a pattern such as "{first}.{last}" gives for a name at a domain."""
    first, last = ascii_slug(first_name), ascii_slug(last_name)
    local = pattern.format(first=first, last=last, f=first[:1], l=last[:1])
    return f"{local}@{domain}"


def people_count(employee_count: int) -> int:
    """Return how many people the world holds for a company of this size (at most 250)."""
    return min(employee_count, max(8, min(MAX_PEOPLE_PER_COMPANY, employee_count // 3)))


@lru_cache(maxsize=64)
def _code_offset(seed: int) -> int:
    digest = hashlib.blake2b(f"{seed}:person-code".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % _CODE_SPACE


def encode_person_code(seed: int, company_index: int, person_index: int) -> str:
    """Encode (company index, person index) as the 8-character code ending a person's LinkedIn slug."""
    value = ((company_index * 256 + person_index) * _CODE_MULTIPLIER + _code_offset(seed)) % _CODE_SPACE
    chars = []
    for _ in range(8):
        value, digit = divmod(value, 36)
        chars.append(_BASE36[digit])
    return "".join(reversed(chars))


def decode_person_code(seed: int, code: str) -> tuple[int, int] | None:
    """Decode a person code back to (company index, person index), or None if it is not one."""
    if len(code) != 8 or any(ch not in _BASE36 for ch in code):
        return None
    value = int(code, 36)
    number = ((value - _code_offset(seed)) * _CODE_INVERSE) % _CODE_SPACE
    return divmod(number, 256)


def e164(rng: random.Random, country_code: str, *, mobile: bool, area: str = "") -> str:
    """Draw a phone number in E.164 form for a country, mobile or landline."""
    calling, length, mobile_prefix = _PHONE_PLAN[country_code]
    prefix = mobile_prefix if mobile else area
    if calling == "1" and mobile:  # North American mobiles share the landline area codes
        prefix = area or str(rng.randint(201, 989))
    if calling == "1" and not prefix:
        prefix = str(rng.randint(201, 989))
    rest = "".join(str(rng.randrange(10)) for _ in range(length - len(prefix)))
    if calling == "1":
        rest = str(rng.randint(2, 9)) + rest[1:]  # NANP exchange codes never start with 0 or 1
    return f"+{calling}{prefix}{rest}"


def _seniority_plan(count: int) -> list[Seniority]:
    plan: list[Seniority] = []
    for seniority, share in _SENIORITY_SHARES:
        wanted = round(count * share)
        if seniority == "c_suite":
            wanted = max(1, min(wanted, len(C_SUITE_TITLES) + 1))
        plan.extend([seniority] * min(wanted, count - len(plan)))
    plan.extend(["entry"] * (count - len(plan)))
    return plan


def _role(rng: random.Random, seniority: Seniority, department: str) -> str:
    label = DEPARTMENT_LABELS[department]
    if seniority == "vp":
        return rng.choice(VP_FORMS).format(d=label)
    if seniority == "director":
        return rng.choice(DIRECTOR_FORMS).format(d=label)
    if seniority == "c_suite":
        return next((t for d, t in C_SUITE_TITLES if d == department), "Chief Executive Officer")
    return rng.choice(ROLE_TITLES[department][seniority])


def _month(months: int) -> str:
    year, month = divmod(months, 12)
    return f"{year:04d}-{month + 1:02d}-01"


def _history(
    rng: random.Random,
    employer: Employer,
    title: str,
    seniority: Seniority,
    department: str,
    past_employers: Sequence[Employer],
    career_start_year: int,
) -> tuple[Job, ...]:
    now = AS_OF.year * 12 + AS_OF.month - 1
    earliest = max(employer.founded_year * 12, career_start_year * 12, now - 12 * 12)
    start = max(earliest, now - rng.randint(2, 96))
    jobs = [Job(employer.name, employer.domain, title, _month(start), None)]
    past_count = rng.choices((0, 1, 2, 3), weights=(35, 35, 20, 10))[0]
    past_rank = SENIORITIES.index(seniority)
    for past in rng.sample(list(past_employers), min(past_count, len(past_employers))):
        end = start
        start = max(end - rng.randint(10, 60), past.founded_year * 12, career_start_year * 12)
        if start >= end:
            break
        past_rank = min(past_rank + rng.randint(0, 1), len(SENIORITIES) - 1)
        past_title = _role(rng, SENIORITIES[past_rank], department)
        jobs.append(Job(past.name, past.domain, past_title, _month(start), _month(end)))
    return tuple(jobs)


def _education(
    rng: random.Random, department: str, seniority: Seniority, graduated: int
) -> tuple[School, ...]:
    fields = SCHOOL_FIELDS[department]
    first = School(rng.choice(SCHOOLS), rng.choice(BACHELOR_DEGREES), rng.choice(fields), graduated)
    if seniority in ("entry", "senior") or rng.random() < 0.7:
        return (first,)
    degree = "Master of Business Administration" if rng.random() < 0.6 else "Master of Science"
    second = School(rng.choice(SCHOOLS), degree, rng.choice(fields), graduated + rng.randint(2, 8))
    return (second, first)


def build_people(seed: int, employer: Employer, past_employers: Sequence[Employer]) -> tuple[Person, ...]:
    """Generate the people of one company, CEO first, each from its own (seed, company, position) stream."""
    count = people_count(employer.employee_count)
    plan = _seniority_plan(count)
    staff_rng = random.Random(f"{seed}:staff:{employer.index}")
    chiefs = list(C_SUITE_TITLES)
    staff_rng.shuffle(chiefs)
    ceo_title = "Chief Executive Officer" if employer.employee_count > 1000 else staff_rng.choice(CEO_TITLES)
    taken_locals: set[str] = set()
    people = []
    for position, seniority in enumerate(plan):
        rng = random.Random(f"{seed}:person:{employer.index}:{position}")
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        if position == 0:
            department, title = "executive", ceo_title
        elif seniority == "c_suite":
            department, title = chiefs[(position - 1) % len(chiefs)]
        else:
            department = rng.choices(_ROLE_DEPARTMENTS, weights=_ROLE_WEIGHTS)[0]
            title = _role(rng, seniority, department)
        local = render_email(employer.email_pattern, first, last, employer.domain).split("@")[0]
        suffix = 1
        while (local if suffix == 1 else f"{local}{suffix}") in taken_locals:
            suffix += 1
        local = local if suffix == 1 else f"{local}{suffix}"
        taken_locals.add(local)
        if employer.is_catch_all:
            status: PersonEmailStatus = "catch_all"
        else:
            status = "invalid" if rng.random() < BOUNCE_RATE else "valid"
        if rng.random() < 0.85:
            country = employer.country_code
            city = employer.city if rng.random() < 0.65 else rng.choice(CITIES[country])[0]
        else:
            country = rng.choices(_COUNTRY_CODES, weights=_COUNTRY_WEIGHTS)[0]
            city = rng.choice(CITIES[country])[0]
        low, high = _EXPERIENCE_YEARS[seniority]
        career_start = AS_OF.year - rng.randint(low, high)
        skills = tuple(rng.sample(SKILLS[department], rng.randint(3, min(6, len(SKILLS[department])))))
        headline = rng.choice(
            (
                f"{title} at {employer.name}",
                f"{title} @ {employer.name} | {skills[0]} & {skills[1]}",
                f"{title} | {', '.join(skills[:3])}",
            )
        )
        code = encode_person_code(seed, employer.index, position)
        connections = min(
            30_000, int(rng.lognormvariate(5.2 + 0.25 * (5 - SENIORITIES.index(seniority)), 0.8))
        )
        people.append(
            Person(
                person_id=f"per_{code}",
                company_domain=employer.domain,
                first_name=first,
                last_name=last,
                full_name=f"{first} {last}",
                title=title,
                seniority=seniority,
                department=department,
                city=city,
                country_code=country,
                linkedin_url=f"https://www.linkedin.com/in/{ascii_slug(first)}-{ascii_slug(last)}-{code}",
                headline=headline,
                work_email=f"{local}@{employer.domain}",
                email_status=status,
                mobile_phone=e164(rng, country, mobile=True) if rng.random() < 0.35 else None,
                work_history=_history(
                    rng, employer, title, seniority, department, past_employers, career_start
                ),
                education=_education(rng, department, seniority, career_start - rng.randint(0, 1)),
                skills=skills,
                connections_count=connections,
                follower_count=connections + int(rng.lognormvariate(4.0, 1.2)),
            )
        )
    return tuple(people)


def champion_quote(rng: random.Random, vendor_name: str, person: Person) -> str:
    """Write the testimonial a champion gives in a vendor's case study."""
    team = DEPARTMENT_LABELS[person.department].lower()
    if person.department == "information_technology":
        team = "IT"
    templates = (
        "With {vendor}, our {team} team cut manual work by {n}% in the first quarter.",
        "{vendor} gave our {team} team the visibility we were missing. We saw a {n}% lift within months.",
        "We evaluated five options and chose {vendor}. It paid for itself in {m} months.",
        "Rolling out {vendor} took days, not weeks, and our {team} team is {n}% more productive.",
    )
    return rng.choice(templates).format(
        vendor=vendor_name, team=team, n=rng.randint(15, 60), m=rng.randint(2, 9)
    )
