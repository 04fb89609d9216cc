"""Rendered class cards, kept per process and keyed by the exact state of what they show.

A card in a list of results is the same HTML for every reader of one language on one day, until
one of its rows changes (a seat taken, a sign-up closed, a new name). The key is the card's
template, the language, the day and every column of the class, its programme, institution and
town as loaded for this request: a changed seat count or status is a new key, so a card can
never be stale for anyone; what was cached under an old key is simply never asked for again
(the store is bounded, oldest first out). Formatting (gettext, Babel dates, times and money) is
done once per class state instead of once per request.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from threading import Lock

from flask import render_template, request
from flask_babel import get_locale
from markupsafe import Markup
from sqlalchemy import inspect

from app.models import Offering

MAX_CARDS = 4096
_cards: OrderedDict[tuple, Markup] = OrderedDict()
_lock = Lock()
_columns: dict[type, tuple[str, ...]] = {}


_MISSING = object()


def _state(obj) -> tuple | None:
    """Every column value of a loaded row; None when any is not loaded (expired after a commit):
    such a card is rendered without the store, never under a key that could be another's."""
    cls = type(obj)
    keys = _columns.get(cls)
    if keys is None:
        keys = _columns[cls] = tuple(attr.key for attr in inspect(cls).column_attrs)
    values = obj.__dict__
    state = tuple(values.get(key, _MISSING) for key in keys)
    return None if _MISSING in state else state


def card(template: str, offering: Offering, today: dt.date) -> Markup:
    """`template` rendered with `offering` and `today` only (nothing else of the page reaches it)."""
    states = (_state(offering), _state(offering.programme), _state(offering.institution), _state(offering.town))
    render = lambda: render_template(template, offering=offering, today=today)  # noqa: E731
    if None in states:
        return Markup(render())
    from app.templating import list_query  # (app.templating imports this module)

    # The card's link carries the list's search ("back to the list" returns to it): part of the key.
    return _cached((template, str(get_locale()), today, list_query(), *states), render)


def filter_form(form, filters, action: str, target: str, with_search: bool) -> Markup:
    """The catalogue's filter form (courses/_filters.html), keyed by everything it shows: the
    language, where it points, each field's value, errors and choices (the towns)."""
    fields = tuple(
        (
            f.name,
            f.data,
            tuple(map(str, f.errors)),
            tuple((v, str(label)) for v, label in getattr(f, "choices", None) or ()),
        )
        for f in form
    )
    resident = request.args.get("resident", "")  # a worker finding a class for a resident: kept in the form
    key = ("courses/_filters.html", str(get_locale()), action, target, with_search, fields, filters, resident)
    return _cached(
        key,
        lambda: render_template(
            key[0], form=form, filters=filters, action=action, target=target, with_search=with_search
        ),
    )


def select(field, render_kw: dict, render) -> Markup:
    """A form's <select>, keyed by everything its HTML holds: the field's kind, name and id, the
    attributes asked for (aria-invalid, aria-describedby…), whether it is required, each choice
    (value and label in this language) and the value chosen. Nothing else reaches the widget."""
    if field.has_groups():
        return Markup(render())
    # Each choice's value, label (in this language), whether it is the one chosen, its attributes.
    choices = tuple((str(c.value), str(c.label), bool(c.selected), repr(c.render_kw)) for c in field.iter_choices())
    key = (
        "select",
        type(field).__qualname__,
        field.name,
        field.id,
        tuple(sorted((k, repr(v)) for k, v in render_kw.items())),
        "required" in field.flags,
        choices,
    )
    return _cached(key, render)


def _cached(key: tuple, render) -> Markup:
    with _lock:
        html = _cards.get(key)
        if html is not None:
            _cards.move_to_end(key)
            return html
    html = Markup(render())
    with _lock:
        _cards[key] = html
        while len(_cards) > MAX_CARDS:
            _cards.popitem(last=False)
    return html


def clear() -> None:
    with _lock:
        _cards.clear()
