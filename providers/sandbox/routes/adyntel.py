"""Sandboxed Adyntel: LinkedIn, Meta and Google ads of a company, and a keyword search of Meta's library.

The key and the account email travel in the JSON body. A company the sandbox cannot resolve answers
HTTP 204 with no body (not charged); a resolved company answers 200 with its ads, possibly none (one
credit). Meta answers `results` as a list of lists, grouping ads that share a headline as Meta's library
collates them. Meta filters default to active ads (seen within `ACTIVE_DAYS` of the world's date). A
`facebook_url` resolves when its page handle is the company's domain stem (hyphens dropped, as the
world's stores publish it), and a keyword matches company names. Error bodies are not documented; the
ones here are assumed, in the `{"message": …}` form public client code reads.
`POST /credits_check` answers an ASSUMED `{"remaining_credits": N}`.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from providers.sandbox.app import SandboxProvider
from providers.sandbox.world import AS_OF, Ad, Company

ACTIVE_DAYS = 14
META_PAGE = 30
KEYWORD_COMPANIES = 60
CREATIVE_TYPES = {
    "image": "SPONSORED_STATUS_UPDATE",
    "video": "SPONSORED_VIDEO",
    "carousel": "SPONSORED_UPDATE_CAROUSEL",
    "text": "TEXT_AD",
}
META_MEDIA = {"image": {"image", "carousel"}, "image_and_meme": {"image", "carousel"}, "video": {"video"}}


def _message(text: str, status: int) -> JSONResponse:
    return JSONResponse({"message": text}, status_code=status)


def _epoch(day: str) -> int:
    return int(datetime.combine(date.fromisoformat(day), time(), tzinfo=UTC).timestamp())


def _digits(seed: str, count: int) -> str:
    return str(int(hashlib.blake2b(seed.encode(), digest_size=16).hexdigest(), 16))[:count]


def _is_active(ad: Ad) -> bool:
    return (AS_OF - date.fromisoformat(ad.last_seen)).days <= ACTIVE_DAYS


def _facebook_handle(company: Company) -> str:
    return company.domain.split(".", 1)[0].replace("-", "")


def linkedin_ad(company: Company, ad: Ad) -> dict[str, Any]:
    """Render an ad as LinkedIn's ad library shows it through Adyntel."""
    visual = ad.media_type in ("image", "carousel", "video")
    return {
        "ad_id": ad.ad_id,
        "advertiser": {
            "name": company.name,
            "logo_url": f"https://media.licdn.com/dms/image/{company.linkedin_id}/company-logo_200_200",
            "promoted": True,
        },
        "carousel": {"card_count": 3} if ad.media_type == "carousel" else None,
        "commentary": {"text": ad.body, "link": ad.landing_url},
        "creative_type": CREATIVE_TYPES[ad.media_type],
        "headline": {"title": ad.headline, "description": "Promoted"},
        "image": {"url": f"https://media.licdn.com/dms/image/ad-{ad.ad_id}", "alt_text": None}
        if visual
        else None,
        "raw": None,
        "type": ad.media_type,
        "view_details_link": f"https://www.linkedin.com/ad-library/detail/{ad.ad_id}",
    }


def meta_ad(company: Company, ad: Ad, collation: int) -> dict[str, Any]:
    """Render an ad as Meta's ad library shows it through Adyntel."""
    page_id = _digits(f"fb:{company.domain}", 15)
    return {
        "adArchiveID": ad.ad_id,
        "adid": "0",
        "collationCount": collation,
        "collationID": int(_digits(f"collation:{ad.headline}", 15)),
        "endDate": _epoch(ad.last_seen),
        "entityType": "person_profile",
        "isActive": _is_active(ad),
        "pageID": page_id,
        "pageName": company.name,
        "publisherPlatform": ["facebook", "instagram"],
        "snapshot": {
            "ad_creative_id": _digits(f"creative:{ad.ad_id}", 18),
            "body": {"markup": {"__html": ad.body}},
            "caption": company.domain,
            "cards": [],
            "cta_text": "Learn more",
            "cta_type": "LEARN_MORE",
            "current_page_name": company.name,
            "display_format": "dco" if ad.media_type == "carousel" else ad.media_type,
            "link_url": ad.landing_url,
            "page_name": company.name,
            "page_profile_uri": f"https://facebook.com/{_facebook_handle(company)}",
            "title": ad.headline,
        },
        "spend": None,
        "startDate": _epoch(ad.first_seen),
    }


def _grouped(company_ads: Sequence[tuple[Company, Ad]]) -> list[list[dict[str, Any]]]:
    groups: dict[tuple[str, str], list[tuple[Company, Ad]]] = {}
    for company, ad in company_ads:
        groups.setdefault((company.domain, ad.headline), []).append((company, ad))
    return [[meta_ad(c, ad, len(group)) for c, ad in group] for group in groups.values()]


def google_ad(company: Company, ad: Ad) -> dict[str, Any]:
    """Render an ad as Google's Ads Transparency Center shows it through Adyntel."""
    advertiser = f"AR{_digits(f'google:{company.domain}', 20)}"
    sized = ad.media_type != "video"
    return {
        "advertiser_id": advertiser,
        "advertiser_name": f"{company.name} Inc",
        "creative_id": ad.ad_id,
        "format": ad.media_type.capitalize(),
        "last_seen": ad.last_seen,
        "original_url": f"https://adstransparency.google.com/advertiser/{advertiser}/creative/{ad.ad_id}"
        "?region=anywhere",
        "start": ad.first_seen,
        "variants": [
            {
                "content": f"https://tpc.googlesyndication.com/archive/simgad/{_digits(ad.ad_id, 19)}",
                "height": 250 if sized else None,
                "width": 300 if sized else None,
            }
        ],
    }


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _offset(token: Any) -> int:
    if not isinstance(token, str) or not token:
        return 0
    try:
        return max(0, int(base64.urlsafe_b64decode(token.encode()).decode().removeprefix("offset:")))
    except (ValueError, UnicodeDecodeError):
        return 0


NOTIONAL_BALANCE = 5_000.0


class AdyntelSandbox(SandboxProvider):
    """Adyntel's ad-library endpoints over the world's ads."""

    name = "adyntel"
    balance_paths = frozenset({"/credits_check"})

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/credits_check", self.credits_check, methods=["POST"]),
            Route("/linkedin", self.linkedin, methods=["POST"]),
            Route("/facebook", self.facebook, methods=["POST"]),
            Route("/facebook_ad_search", self.facebook_search, methods=["POST"]),
            Route("/google", self.google, methods=["POST"]),
        ]

    async def credits_check(self, request: Request) -> Response:
        # ASSUMED shape: the real answer is undocumented (providers/adyntel.py reads it tolerantly).
        return JSONResponse({"remaining_credits": int(self.credits_left(NOTIONAL_BALANCE))})

    async def authorized(self, request: Request) -> bool:
        body = await _body(request)
        email = body.get("email")
        return body.get("api_key") == self.api_key and isinstance(email, str) and "@" in email

    def unauthorized(self, request: Request) -> Response:
        return _message("Invalid API key or email", 401)

    def rate_limited(self, retry_after: int) -> Response:
        return JSONResponse(
            {"message": "Too many requests"}, status_code=429, headers={"Retry-After": str(retry_after)}
        )

    def server_error(self) -> Response:
        return _message("Internal server error", 500)

    def no_credits(self) -> Response:
        return _message("You have run out of credits", 402)

    def _company(self, domain: Any) -> Company | None:
        if not isinstance(domain, str) or not domain.strip():
            return None
        company = self.world.company(domain)
        return company if company is not None and self.world.knows(self.name, company.domain) else None

    async def linkedin(self, request: Request) -> Response:
        body = await _body(request)
        domain, page_id = body.get("company_domain"), body.get("linkedin_page_id")
        if not domain and not page_id:
            return _message("company_domain or linkedin_page_id is required", 400)
        if domain:
            company = self._company(domain)
        else:
            found = self.world.company_by_linkedin(f"https://www.linkedin.com/company/{page_id}")
            company = self._company(found.domain) if found else None
        if company is None:
            return Response(status_code=204)
        ads = [linkedin_ad(company, ad) for ad in company.ads.linkedin]
        self.charge(1)
        return JSONResponse(
            {
                "ads": ads,
                "continuation_token": None,
                "is_last_page": True,
                "page_id": company.linkedin_id,
                "total_ads": len(ads),
            }
        )

    async def facebook(self, request: Request) -> Response:
        body = await _body(request)
        url, domain = body.get("facebook_url"), body.get("company_domain")
        if not url and not domain:
            return _message("facebook_url or company_domain is required", 400)
        if url:
            match = re.search(r"facebook\.com/([A-Za-z0-9.]+)", str(url))
            found = match and self.world.company_by_linkedin(f"linkedin.com/company/{match.group(1)}")
            company = self._company(found.domain) if found else None
        else:
            company = self._company(domain)
        if company is None:
            return Response(status_code=204)
        status = str(body.get("active_status") or "active").lower()
        media = META_MEDIA.get(str(body.get("media_type") or "").lower())
        ads = [
            (company, ad)
            for ad in company.ads.meta
            if (status == "all" or _is_active(ad) == (status == "active"))
            and (media is None or ad.media_type in media)
        ]
        self.charge(1)
        return JSONResponse(
            {
                "active_status": status,
                "continuation_token": None,
                "country_code": body.get("country_code") or "ALL",
                "is_result_complete": True,
                "media_types": body.get("media_type") or "all",
                "number_of_ads": len(ads),
                "page_id": _digits(f"fb:{company.domain}", 15),
                "platform": ["facebook", "instagram"],
                "results": _grouped(ads),
            }
        )

    async def facebook_search(self, request: Request) -> Response:
        body = await _body(request)
        keyword = body.get("keyword")
        if not isinstance(keyword, str) or not keyword.strip():
            return _message("keyword is required", 400)
        companies, _ = self.world.search_companies(name_contains=keyword, limit=KEYWORD_COMPANIES)
        ads = [(c, ad) for c in companies if self.world.knows(self.name, c.domain) for ad in c.ads.meta]
        start = _offset(body.get("continuation_token"))
        page = ads[start : start + META_PAGE]
        more = start + META_PAGE < len(ads)
        self.charge(1)
        return JSONResponse(
            {
                "active_status": "all",
                "ad_type": "all",
                "continuation_token": _token(start + META_PAGE) if more else None,
                "country_code": body.get("country_code") or "ALL",
                "is_result_complete": not more,
                "media_types": "all",
                "number_of_ads": len(ads),
                "platform": ["ALL"],
                "query": keyword,
                "results": _grouped(page),
                "search_type": "keyword_unordered",
                "start_max_date": None,
                "start_min_date": None,
            }
        )

    async def google(self, request: Request) -> Response:
        body = await _body(request)
        if not body.get("company_domain"):
            return _message("company_domain is required", 400)
        company = self._company(body["company_domain"])
        if company is None:
            return Response(status_code=204)
        media = str(body.get("media_type") or "").lower()
        ads = [google_ad(company, ad) for ad in company.ads.google if not media or ad.media_type == media]
        self.charge(1)
        return JSONResponse({"ads": ads, "continuation_token": None, "country_code": "anywhere"})


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
