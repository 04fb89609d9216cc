"""Helpers for tests that fill in forms as a browser would: read the issued tokens, post them."""

from __future__ import annotations

import re


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html) or re.search(
        rf'type="hidden" name="{name}" value="([^"]*)"', html
    )
    assert match, f"no hidden {name} in the page"
    return match.group(1)


def tokens(html: str) -> dict[str, str]:
    """The csrf_token and submission_id a rendered form carries."""
    return {"csrf_token": hidden(html, "csrf_token"), "submission_id": hidden(html, "submission_id")}


def invalid_fields(html: str) -> set[str]:
    return (
        set(re.findall(r'aria-invalid="true"[^>]*\bname="([^"]+)"', html))
        | set(re.findall(r'name="([^"]+)"[^>]*aria-invalid="true"', html))
        | set(re.findall(r'<fieldset id="([^"]+)" aria-describedby="[^"]*-error', html))
    )
