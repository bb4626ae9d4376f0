"""The page cache in PostgreSQL: a page kept by URL, replaced when refetched, its time to the second."""

from __future__ import annotations

from sqlalchemy import Engine

from store.repositories.web_cache import get_page, put_page


def test_a_page_is_kept_by_url_and_replaced_when_refetched(engine: Engine) -> None:
    page = {
        "url": "https://acme.com/pricing",
        "final_url": "https://acme.com/plans",
        "html": "<html>plans</html>",
        "etag": '"v1"',
        "last_modified": "Mon, 02 Nov 2026 08:00:00 GMT",
        "fetched_at": 1_800_000_000.25,
    }
    with engine.begin() as conn:
        assert get_page(conn, url=page["url"]) is None
        put_page(conn, page=page)
    with engine.begin() as conn:
        assert get_page(conn, url=page["url"]) == page
        put_page(
            conn, page={**page, "etag": '"v2"', "html": "<html>new</html>", "fetched_at": 1_800_000_100.0}
        )
    with engine.connect() as conn:
        kept = get_page(conn, url=page["url"])
    assert kept is not None and kept["etag"] == '"v2"' and kept["html"] == "<html>new</html>"
    assert kept["fetched_at"] == 1_800_000_100.0
