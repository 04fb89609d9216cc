"""Locale choice and Babel formatting helpers for templates."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_time as babel_format_time
from babel.dates import get_day_names
from flask import Flask, current_app, request
from flask_babel import format_currency, format_date, format_decimal, get_locale


def select_locale() -> str:
    """The visible switch (a cookie) first, then the browser's Accept-Language, then Chinese."""
    locales = current_app.config["LOCALES"]
    chosen = request.cookies.get(current_app.config["LOCALE_COOKIE"])
    if chosen in locales:
        return chosen
    for language, _quality in request.accept_languages:
        code = language.lower()
        if code.startswith("zh"):
            return "zh_Hans_CN"
        if code.startswith("en"):
            return "en"
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def html_lang() -> str:
    return "en" if str(get_locale()) == "en" else "zh-Hans-CN"


def weekday_name(iso_weekday: int) -> str:
    """1 → 星期一 / Monday."""
    return get_day_names("wide", locale=get_locale())[iso_weekday - 1]


def short_time(value: dt.time) -> str:
    return babel_format_time(value, "HH:mm", locale=get_locale())


def long_date(value: dt.date) -> str:
    """2026年12月6日星期日 / Sunday, December 6, 2026."""
    return format_date(value, "full")


def short_date(value: dt.date) -> str:
    return format_date(value, "medium")


def money(amount: int | None) -> str:
    """¥3,200 — whole yuan, grouped for the locale."""
    if amount is None:
        return ""
    return format_currency(amount, "CNY", format="¤#,##0", currency_digits=False)


def number(value: int | float) -> str:
    return format_decimal(value)


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        weekday=weekday_name,
        hhmm=short_time,
        long_date=long_date,
        short_date=short_date,
        money=money,
        number=number,
    )
    app.jinja_env.globals.update(html_lang=html_lang, get_locale=get_locale)
