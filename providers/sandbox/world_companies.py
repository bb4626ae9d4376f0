"""Companies of the synthetic world: their fact types, and pure functions drawing each family of facts.

Each family (profile, store, ads, pricing, funding, card revenue) has its own random stream, named by
``topic_rng(seed, topic, index)``, so a fact can be built alone (the store index builds only stores) and
adding a fact to one family never shifts the values of another.
"""

from __future__ import annotations

import hashlib
import math
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from providers.sandbox import world_data as data
from providers.sandbox.world_data import AS_OF, IndustrySpec
from providers.sandbox.world_people import ascii_slug

AdPlatform = Literal["linkedin", "meta", "google"]


@dataclass(frozen=True, slots=True)
class Technology:
    """A technology detected on a company's site or stack."""

    name: str
    category: str
    website: str


@dataclass(frozen=True, slots=True)
class App:
    """An app installed on an online store; `token` is what StoreLeads' `f:an` filter matches."""

    token: str
    name: str
    categories: tuple[str, ...]
    monthly_cost_cents: int


@dataclass(frozen=True, slots=True)
class ContactInfo:
    """One contact channel published on a store (email, phone, social profile)."""

    type: str
    value: str


@dataclass(frozen=True, slots=True)
class Store:
    """The online store of a company, as an ecommerce intelligence provider sees it."""

    platform: str
    plan: str
    estimated_monthly_sales_cents: int
    product_count: int
    global_rank: int
    platform_rank: int
    installed_apps: tuple[App, ...]
    monthly_app_spend_cents: int
    country_code: str
    city: str
    created_at: str
    shipping_carriers: tuple[str, ...]
    features: tuple[str, ...]
    contact_info: tuple[ContactInfo, ...]


@dataclass(frozen=True, slots=True)
class Ad:
    """One ad creative seen in an ad library."""

    ad_id: str
    platform: AdPlatform
    headline: str
    body: str
    landing_url: str
    first_seen: str
    last_seen: str
    media_type: str


@dataclass(frozen=True, slots=True)
class Ads:
    """A company's ads per platform; all three are empty for most companies."""

    linkedin: tuple[Ad, ...]
    meta: tuple[Ad, ...]
    google: tuple[Ad, ...]

    @property
    def total(self) -> int:
        """Count the ads on all platforms."""
        return len(self.linkedin) + len(self.meta) + len(self.google)


@dataclass(frozen=True, slots=True)
class PricingFacts:
    """The 14 pricing-page facts, with the string values the RevenueInfra classifiers answer."""

    free_trial: str  # yes | no | demo_only
    pricing_visibility: str  # public | hidden | partial
    sales_motion: str  # self_serve | sales_led | hybrid
    pricing_model: str  # seat_based | usage_based | flat | tiered | custom | multiple
    billing_default: str  # monthly | annual | both_annual_emphasized | both_monthly_emphasized
    number_of_tiers: str  # 1 | 2 | 3 | 4+
    add_ons_offered: str  # yes | no | unclear
    enterprise_tier_exists: str  # yes | no
    security_compliance_gating: str  # yes | no | not_mentioned
    annual_commitment_required: str  # yes | no | unclear
    plan_naming_style: str  # generic | persona_based | feature_based | other
    custom_pricing_mentioned: str  # yes | no
    money_back_guarantee: str  # yes | no
    minimum_seats: str  # yes | no | not_mentioned


@dataclass(frozen=True, slots=True)
class Investor:
    """A venture firm that invested in a company."""

    name: str
    domain: str


@dataclass(frozen=True, slots=True)
class Funding:
    """Whether and how a company raised venture money."""

    has_raised_vc: bool
    investors: tuple[Investor, ...]
    founded_date: str
    stage: str | None
    total_raised_usd: int


@dataclass(frozen=True, slots=True)
class MonthlyCardRevenue:
    """Card revenue and transactions of one calendar month."""

    period_start: str
    card_revenue: float
    transaction_count: int


@dataclass(frozen=True, slots=True)
class CardRevenue:
    """Card-spend facts for a consumer brand over the last 12 months (USD)."""

    brand_id: str
    location_count: int
    annual_card_revenue: float
    yoy_growth: float
    avg_daily_customers: int
    transaction_count: int
    avg_transaction_size: float
    refunds: float
    monthly: tuple[MonthlyCardRevenue, ...]


@dataclass(frozen=True, slots=True)
class Company:
    """A company with every fact any provider may answer about it.

    Sequences are tuples, not lists: companies are cached and shared, so they must be immutable.
    """

    index: int
    domain: str
    name: str
    industry: str
    employee_count: int
    employee_range: str
    revenue_range: str
    founded_year: int
    linkedin_url: str
    linkedin_id: str
    hq_city: str
    hq_state: str | None
    hq_country_code: str
    description: str
    specialties: tuple[str, ...]
    tech_stack: tuple[Technology, ...]
    email_pattern: str
    is_catch_all: bool
    phone: str | None
    website: str
    store: Store | None
    ads: Ads
    pricing_page_url: str | None
    g2_url: str | None
    pricing: PricingFacts | None
    competitors: tuple[str, ...]
    similar: tuple[tuple[str, float], ...]
    customers: tuple[str, ...]
    funding: Funding | None
    card_revenue: CardRevenue | None


@dataclass(frozen=True, slots=True)
class CompanyBasics:
    """The core facts of a company that every other fact about it is drawn from."""

    index: int
    name: str
    domain: str
    stem: str  # the domain without its TLD, also the LinkedIn slug
    spec: IndustrySpec
    employee_count: int
    founded_year: int
    country_code: str
    city: str
    state: str | None
    phone: str | None


_TECHNOLOGIES = tuple(Technology(*t) for t in data.TECHNOLOGIES)
_PLATFORM_TECH = {platform: Technology(*t) for platform, t in data.PLATFORM_TECH.items()}
_APPS = tuple(App(*a) for a in data.STORE_APPS)
_NO_ADS = Ads((), (), ())
_AD_MEDIA: dict[AdPlatform, tuple[str, ...]] = {
    "linkedin": ("image", "video", "carousel", "text"),
    "meta": ("image", "video", "carousel"),
    "google": ("text", "image", "video"),
}
_PLATFORM_SHARE = {"shopify": 0.6, "woocommerce": 0.25, "bigcommerce": 0.08, "magento": 0.07}


def topic_rng(seed: int, topic: str, index: int) -> random.Random:
    """Return the random stream of one family of facts about one company."""
    return random.Random(f"{seed}:{topic}:{index}")


def _pick(rng: random.Random, options: Mapping[str, float]) -> str:
    return rng.choices(tuple(options), weights=tuple(options.values()))[0]


def _lower_words(text: str) -> str:
    # "Data Integration" -> "data integration", but acronyms and mixed case ("SEO", "IoT") stay as they are.
    return " ".join(w.lower() if w[1:] == w[1:].lower() else w for w in text.split())


def build_company(
    seed: int,
    basics: CompanyBasics,
    *,
    email_pattern: str,
    is_catch_all: bool,
    linkedin_id: str,
    has_store: bool,
    relations: tuple[tuple[str, ...], tuple[tuple[str, float], ...], tuple[str, ...]],
) -> Company:
    """Assemble a full Company from its basics, drawing each family of facts from its own stream."""
    spec, employees, index = basics.spec, basics.employee_count, basics.index
    rng = topic_rng(seed, "profile", index)
    revenue = employees * spec.revenue_per_employee * rng.lognormvariate(0, 0.4)
    revenue_range = next(label for label, top in data.REVENUE_BUCKETS if revenue < top)
    specialties = tuple(rng.sample(spec.specialties, min(len(spec.specialties), rng.randint(3, 5))))
    what = rng.choice(spec.what).format(spec=_lower_words(specialties[0]))
    description = f"{basics.name} {what}."
    if rng.random() < 0.7:
        description += (
            f" Founded in {basics.founded_year}, it is based in {basics.city}"
            f" and serves {rng.choice(spec.audience)}."
        )
    store = build_store(seed, basics) if has_store else None
    tech_count = min(len(_TECHNOLOGIES), 3 + int(math.log2(employees + 1)) // 2 + rng.randint(0, 3))
    tech = rng.sample(_TECHNOLOGIES, tech_count)
    if store is not None:
        tech.insert(0, _PLATFORM_TECH[store.platform])
    has_g2 = rng.random() < {"saas": 0.65, "b2b": 0.15, "consumer": 0.02}[spec.kind]
    pricing_page_url, pricing = _pricing(topic_rng(seed, "pricing", index), basics)
    competitors, similar, customers = relations
    return Company(
        index=index,
        domain=basics.domain,
        name=basics.name,
        industry=spec.name,
        employee_count=employees,
        employee_range=next(b[0] for b in data.EMPLOYEE_BUCKETS if b[1] <= employees <= b[2]),
        revenue_range=revenue_range,
        founded_year=basics.founded_year,
        linkedin_url=f"https://www.linkedin.com/company/{basics.stem}",
        linkedin_id=linkedin_id,
        hq_city=basics.city,
        hq_state=basics.state,
        hq_country_code=basics.country_code,
        description=description,
        specialties=specialties,
        tech_stack=tuple(tech),
        email_pattern=email_pattern,
        is_catch_all=is_catch_all,
        phone=basics.phone,
        website=f"https://{basics.domain}",
        store=store,
        ads=_ads(topic_rng(seed, "ads", index), basics, specialties),
        pricing_page_url=pricing_page_url,
        g2_url=f"https://www.g2.com/products/{basics.stem}/reviews" if has_g2 else None,
        pricing=pricing,
        competitors=competitors,
        similar=similar,
        customers=customers,
        funding=_funding(topic_rng(seed, "funding", index), basics),
        card_revenue=_card_revenue(seed, basics),
    )


def build_store(seed: int, basics: CompanyBasics) -> Store:
    """Draw the online store of a company that has one."""
    rng = topic_rng(seed, "store", basics.index)
    platforms = data.STORE_PLATFORMS
    platform, _, plans = platforms[rng.choices(range(len(platforms)), weights=[p[1] for p in platforms])[0]]
    plan = rng.choices(plans, weights=range(len(plans), 0, -1))[0]
    monthly_usd = basics.employee_count * rng.uniform(1_500, 12_000)
    # Rank is inversely proportional to sales: $1M a month ranks about 500th, $10k about 50,000th.
    rank = max(1, int(5e8 / monthly_usd * rng.uniform(0.85, 1.15)))
    apps = rng.sample(_APPS, rng.randint(2, 10) if platform == "shopify" else rng.randint(0, 4))
    apps.sort(key=lambda app: app.name)
    carriers = data.SHIPPING_CARRIERS.get(basics.country_code, data.DEFAULT_CARRIERS)
    created_year = rng.randint(max(basics.founded_year, 2008), AS_OF.year - 1)
    created = date(created_year, rng.randint(1, 12), rng.randint(1, 28))
    contacts = [ContactInfo("email", f"support@{basics.domain}")]
    if basics.phone:
        contacts.append(ContactInfo("phone", basics.phone))
    handle = basics.stem.replace("-", "")
    for network in ("instagram", "facebook", "twitter", "tiktok"):
        if rng.random() < 0.6:
            contacts.append(ContactInfo(network, f"https://www.{network}.com/{handle}"))
    return Store(
        platform=platform,
        plan=plan,
        estimated_monthly_sales_cents=int(monthly_usd * 100),
        product_count=max(1, min(50_000, int(rng.lognormvariate(4.2, 1.1)))),
        global_rank=rank,
        platform_rank=max(1, int(rank * _PLATFORM_SHARE[platform])),
        installed_apps=tuple(apps),
        monthly_app_spend_cents=sum(app.monthly_cost_cents for app in apps),
        country_code=basics.country_code,
        city=basics.city,
        created_at=created.isoformat(),
        shipping_carriers=tuple(rng.sample(carriers, rng.randint(1, min(3, len(carriers))))),
        features=tuple(rng.sample(data.STORE_FEATURES, rng.randint(2, 5))),
        contact_info=tuple(contacts),
    )


def _ads(rng: random.Random, basics: CompanyBasics, specialties: tuple[str, ...]) -> Ads:
    spec = basics.spec
    rate = {"saas": 0.5, "b2b": 0.3, "consumer": 0.55}[spec.kind] + (
        0.1 if basics.employee_count > 200 else 0
    )
    if rng.random() >= rate:
        return _NO_ADS
    consumer = spec.kind == "consumer"
    counts: dict[AdPlatform, int] = {
        "linkedin": rng.randint(0, 2) if consumer else rng.randint(0, 8),
        "meta": rng.randint(1, 10) if consumer else rng.randint(0, 4),
        "google": rng.randint(0, 6),
    }
    if sum(counts.values()) == 0:
        counts["google"] = 1
    name, domain = basics.name, basics.domain
    ads: dict[AdPlatform, list[Ad]] = {}
    for platform, count in counts.items():
        ads[platform] = []
        for _ in range(count):
            topic = _lower_words(rng.choice(specialties))
            headline = rng.choice(data.AD_HEADLINES[spec.kind]).format(name=name, spec=topic)
            body = rng.choice(data.AD_BODIES[spec.kind]).format(
                name=name, spec=topic, count=f"{rng.choice((500, 1000, 2000, 5000, 10000)):,}"
            )
            first_seen = AS_OF - timedelta(days=rng.randint(10, 540))
            last_seen = min(AS_OF, first_seen + timedelta(days=rng.randint(3, 240)))
            # Id shapes follow each library: LinkedIn and Meta ids are numbers, Google's are "CR…".
            if platform == "linkedin":
                ad_id = str(rng.randrange(10**8, 10**9))
            elif platform == "meta":
                ad_id = str(rng.randrange(10**14, 10**16))
            else:
                ad_id = f"CR{rng.randrange(10**19, 10**20)}"
            path = rng.choice(("", "demo", "pricing", "shop", "lp/" + ascii_slug(topic)))
            ads[platform].append(
                Ad(
                    ad_id=ad_id,
                    platform=platform,
                    headline=headline[0].upper() + headline[1:],
                    body=body,
                    landing_url=f"https://{domain}/{path}?utm_source={platform}&utm_medium=paid",
                    first_seen=first_seen.isoformat(),
                    last_seen=last_seen.isoformat(),
                    media_type=rng.choice(_AD_MEDIA[platform]),
                )
            )
    return Ads(tuple(ads["linkedin"]), tuple(ads["meta"]), tuple(ads["google"]))


def _pricing(rng: random.Random, basics: CompanyBasics) -> tuple[str | None, PricingFacts | None]:
    if rng.random() >= {"saas": 0.8, "b2b": 0.2, "consumer": 0.05}[basics.spec.kind]:
        return None, None
    small = basics.employee_count < 200
    motion = _pick(rng, {"self_serve": 5 if small else 2, "sales_led": 1 if small else 4, "hybrid": 3})
    visibility = _pick(
        rng,
        {
            "self_serve": {"public": 80, "partial": 15, "hidden": 5},
            "sales_led": {"hidden": 50, "partial": 35, "public": 15},
            "hybrid": {"partial": 50, "public": 40, "hidden": 10},
        }[motion],
    )
    trial = {
        "self_serve": {"yes": 70, "no": 20, "demo_only": 10},
        "sales_led": {"demo_only": 65, "no": 25, "yes": 10},
        "hybrid": {"yes": 50, "demo_only": 35, "no": 15},
    }[motion]
    model_weights = {
        "seat_based": 35,
        "usage_based": 15,
        "flat": 10,
        "tiered": 25,
        "custom": 5,
        "multiple": 10,
    }
    if visibility == "hidden":
        model_weights = {"custom": 60, "seat_based": 20, "usage_based": 10, "multiple": 10}
    model = _pick(rng, model_weights)
    billing = _pick(
        rng, {"monthly": 20, "annual": 15, "both_annual_emphasized": 45, "both_monthly_emphasized": 20}
    )
    tiers = (
        {"1": 40, "2": 45, "3": 10, "4+": 5}
        if visibility == "hidden"
        else {"1": 5, "2": 20, "3": 45, "4+": 30}
    )
    enterprise = _pick(rng, {"yes": 50, "no": 50} if motion == "self_serve" else {"yes": 85, "no": 15})
    commitment = {
        "annual": {"yes": 60, "unclear": 30, "no": 10},
        "monthly": {"no": 85, "unclear": 15},
    }.get(billing, {"no": 70, "unclear": 20, "yes": 10})
    custom_yes = 90 if enterprise == "yes" or visibility == "hidden" else 15
    return f"https://{basics.domain}/pricing", PricingFacts(
        free_trial=_pick(rng, trial),
        pricing_visibility=visibility,
        sales_motion=motion,
        pricing_model=model,
        billing_default=billing,
        number_of_tiers=_pick(rng, tiers),
        add_ons_offered=_pick(rng, {"yes": 45, "no": 40, "unclear": 15}),
        enterprise_tier_exists=enterprise,
        security_compliance_gating=_pick(
            rng,
            {"yes": 60, "not_mentioned": 30, "no": 10}
            if enterprise == "yes"
            else {"not_mentioned": 60, "no": 30, "yes": 10},
        ),
        annual_commitment_required=_pick(rng, commitment),
        plan_naming_style=_pick(rng, {"generic": 50, "persona_based": 20, "feature_based": 20, "other": 10}),
        custom_pricing_mentioned=_pick(rng, {"yes": custom_yes, "no": 100 - custom_yes}),
        money_back_guarantee=_pick(rng, {"yes": 25 if motion == "self_serve" else 8, "no": 75}),
        minimum_seats=_pick(
            rng,
            {"yes": 35, "no": 25, "not_mentioned": 40}
            if model == "seat_based"
            else {"not_mentioned": 75, "no": 15, "yes": 10},
        ),
    )


def _funding(rng: random.Random, basics: CompanyBasics) -> Funding | None:
    spec = basics.spec
    if rng.random() >= {"saas": 0.9, "b2b": 0.6, "consumer": 0.5}[spec.kind]:
        return None
    founded_date = f"{basics.founded_year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if rng.random() >= {"saas": 0.55, "b2b": 0.15, "consumer": 0.2}[spec.kind]:
        return Funding(False, (), founded_date, None, 0)
    level = min(5, max(0, int(math.log2(basics.employee_count + 1) / 2.2) + rng.randint(-1, 1)))
    stage, low, high = data.FUNDING_STAGES[level]
    investors = tuple(Investor(*vc) for vc in rng.sample(data.VC_FIRMS, rng.randint(1, min(4, level + 1))))
    return Funding(True, investors, founded_date, stage, int(round(rng.uniform(low, high), -4)))


def _card_revenue(seed: int, basics: CompanyBasics) -> CardRevenue | None:
    spec = basics.spec
    if spec.kind != "consumer":
        return None
    rng = topic_rng(seed, "card", basics.index)
    if rng.random() >= 0.9:
        return None
    employees = basics.employee_count
    if spec.name in ("Restaurants", "Hospitality", "Retail"):
        locations = max(1, employees // rng.randint(10, 40))
    else:
        locations = rng.randint(0, max(1, employees // 200))
    annual = employees * spec.revenue_per_employee * rng.uniform(0.35, 0.85)
    ticket = rng.uniform(*spec.avg_ticket)
    weights = [
        (1.0 + 0.35 * (month in (11, 12)) + 0.1 * math.sin(month / 12 * 2 * math.pi)) * rng.uniform(0.9, 1.1)
        for month in range(1, 13)
    ]
    total_weight = sum(weights)
    start = AS_OF.year * 12 + AS_OF.month - 1 - 12
    monthly = []
    for offset in range(12):
        year, month0 = divmod(start + offset, 12)
        amount = round(annual * weights[month0] / total_weight, 2)
        count = max(1, round(amount / (ticket * rng.uniform(0.95, 1.05))))
        monthly.append(MonthlyCardRevenue(f"{year:04d}-{month0 + 1:02d}-01", amount, count))
    revenue = round(sum(m.card_revenue for m in monthly), 2)
    transactions = sum(m.transaction_count for m in monthly)
    digest = hashlib.blake2b(f"{seed}:brand:{basics.index}".encode(), digest_size=16).digest()
    return CardRevenue(
        brand_id=str(uuid.UUID(bytes=digest, version=4)),
        location_count=locations,
        annual_card_revenue=revenue,
        yoy_growth=round(rng.uniform(-0.15, 0.35), 4),
        avg_daily_customers=round(transactions / 365 * rng.uniform(0.75, 0.95)),
        transaction_count=transactions,
        avg_transaction_size=round(revenue / transactions, 2),
        refunds=round(revenue * rng.uniform(0.01, 0.06), 2),
        monthly=tuple(monthly),
    )
