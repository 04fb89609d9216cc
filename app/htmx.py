"""One template renders the page, or for an HTMX request one block of it."""

from urllib.parse import urlencode

from flask import Response, make_response, redirect, render_template, request
from flask_babel import get_locale
from jinja2_fragments.flask import render_block

from app.extensions import cache


def is_htmx() -> bool:
    """An HTMX request that wants a fragment: not a boosted link, not a history restore."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def render(template: str, fragment: str | None = None, status: int = 200, **context) -> Response:
    """Render `template`, or only its block `fragment` for an HTMX request. The route names the block."""
    if fragment and is_htmx():
        body = render_block(template, fragment, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def personal(response: Response) -> Response:
    """A page about one person reached by a link with their ref: never kept on a shared phone or in
    a cache, never indexed."""
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def redirect_to(url: str) -> Response:
    """303 for browsers; HTMX ignores headers on 3xx, so it gets HX-Redirect instead."""
    if is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
    else:
        response = redirect(url, 303)
    response.vary.add("HX-Request")
    return response


def _page_key() -> str:
    """What a cached page depends on: path, query, language, and page-or-fragment."""
    query = urlencode(sorted(request.args.items(multi=True)))
    return f"page:{get_locale()}:{int(is_htmx())}:{request.path}?{query}"


def cached_page(view):
    """Micro-cache a public GET view's successful answers for CACHE_DEFAULT_TIMEOUT seconds."""
    return cache.cached(make_cache_key=_page_key, response_filter=lambda r: r.status_code == 200)(view)
