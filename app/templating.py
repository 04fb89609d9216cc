"""Template globals: static URLs, the words for stored codes, links that change one query value,
and the audit trail's JSON."""

from __future__ import annotations

import json

from flask import Flask, current_app, request, url_for

from app import fragments, labels
from app.assets import asset_url
from app.forms.base import new_submission_id
from app.models import EnrolmentStatus, Kind, OfferingStatus


def url_with(**changes) -> str:
    """The current page's URL with some query values changed; empty values are dropped."""
    args = {key: value for key, value in request.args.items() if key not in changes}
    args.update(changes)
    return url_for(
        request.endpoint, **(request.view_args or {}), **{k: v for k, v in args.items() if v not in ("", None)}
    )


def external_url(endpoint: str, **values) -> str:
    """An absolute link for text messages and QR codes. Built from PUBLIC_URL (the county's address)
    when set, never trusting the request's Host header for a link that leaves the site."""
    base = current_app.config.get("PUBLIC_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def readable_json(value) -> str:
    """Audit details as JSON that shows Chinese as Chinese."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.globals.update(
        asset_url=asset_url,
        class_card=fragments.card,
        filter_form=fragments.filter_form,
        new_submission_id=new_submission_id,
        url_with=url_with,
        kind_labels=labels.KINDS,
        institution_types=labels.INSTITUTION_TYPES,
        session_statuses=labels.SESSION_STATUSES,
        elder_topics=labels.ELDER_TOPICS,
        consent_methods=labels.CONSENT_METHODS,
        enrolment_statuses=labels.ENROLMENT_STATUSES,
        degree_levels=labels.DEGREE_LEVELS,
        offering_statuses=labels.OFFERING_STATUSES,
        outcome_kinds=labels.OUTCOME_KINDS,
        gap_suggestion=labels.gap_suggestion,
        OfferingStatus=OfferingStatus,
        EnrolmentStatus=EnrolmentStatus,
        Kind=Kind,
    )
    app.jinja_env.filters["readable_json"] = readable_json
