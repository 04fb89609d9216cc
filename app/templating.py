"""Template globals: static URLs, the words for stored codes, links that change one query value,
and the audit trail's JSON."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import Flask, current_app, g, request, url_for

from app import fragments, labels
from app.assets import asset_url
from app.forms.base import new_submission_id
from app.i18n import display_name
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


# The catalogue's search (CatalogueFilterForm), and the resident a worker is finding a class for.
LIST_ARGS = ("q", "kind", "town", "weekday", "audience", "page", "resident")


def list_query() -> str:
    """The catalogue search being looked at, as a query string ("?q=…&town=…", or ""): a class's
    page carries it so that its "back to the list" link returns to the same search."""
    args = [(key, value) for key in LIST_ARGS for value in request.args.getlist(key)[:1] if value]
    return "?" + urlencode(args) if args else ""


def in_wechat() -> bool:
    """WeChat's built-in browser (its User-Agent says MicroMessenger): it opens no .ics download."""
    return "micromessenger" in (request.user_agent.string or "").lower()


def town_named(name: str) -> str:
    """A town given by its Chinese name (as a plan's reasons keep it), in the page's language."""
    if not hasattr(g, "towns_by_name"):
        from app.services.catalogue import towns

        g.towns_by_name = {town.name: town for town in towns()}
    town = g.towns_by_name.get(name)
    return display_name(town) if town is not None else name


def target_label(target: str, kind: str | None = None) -> str:
    """What a resident asked to learn, as a plan repeats it: as typed on Chinese pages; on English
    pages the vocabulary's English label when the words name a degree or certificate level (大专 →
    Associate degree), or the programme's English name when a programme of that name has one."""
    from flask_babel import get_locale

    if str(get_locale()) != "en":
        return target
    from app.services.matching import degree_level

    if (level := degree_level(target)) and level in labels.DEGREE_LEVELS:
        return str(labels.DEGREE_LEVELS[level])
    if target in labels.CERT_LEVELS:
        return str(labels.CERT_LEVELS[target])
    if not hasattr(g, "programme_names_en"):
        from sqlalchemy import select

        from app.extensions import db
        from app.models import Programme

        rows = db.session.execute(select(Programme.name, Programme.name_en).where(Programme.name_en != ""))
        g.programme_names_en = dict(rows.all())
    return g.programme_names_en.get(target, target)


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
        in_wechat=in_wechat,
        list_query=list_query,
        kind_labels=labels.KINDS,
        institution_types=labels.INSTITUTION_TYPES,
        session_statuses=labels.SESSION_STATUSES,
        elder_topics=labels.ELDER_TOPICS,
        consent_methods=labels.CONSENT_METHODS,
        claim_kinds=labels.CLAIM_KINDS,
        record_statuses=labels.RECORD_STATUSES,
        record_sources=labels.RECORD_SOURCES,
        shift_labels=labels.SHIFTS,
        contact_statuses=labels.CONTACT_STATUSES,
        order_statuses=labels.ORDER_STATUSES,
        group_states=labels.GROUP_STATES,
        times_of_day=labels.TIMES_OF_DAY,
        request_statuses=labels.REQUEST_STATUSES,
        enrolment_statuses=labels.ENROLMENT_STATUSES,
        degree_levels=labels.DEGREE_LEVELS,
        cert_levels=labels.CERT_LEVELS,
        offering_statuses=labels.OFFERING_STATUSES,
        outcome_kinds=labels.OUTCOME_KINDS,
        gap_suggestion=labels.gap_suggestion,
        OfferingStatus=OfferingStatus,
        EnrolmentStatus=EnrolmentStatus,
        Kind=Kind,
    )
    app.jinja_env.filters["readable_json"] = readable_json
    app.jinja_env.filters["town_named"] = town_named
    app.jinja_env.filters["target_label"] = target_label
