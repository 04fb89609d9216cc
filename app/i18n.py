"""Locale choice and Babel formatting helpers for templates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache

from babel.dates import format_date, format_datetime, format_time, get_day_names
from babel.numbers import format_decimal
from flask import Flask, current_app, request
from flask_babel import get_locale

from app.clock import TZ


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


# Catalogue pages format the same few values many times over; Babel's formatting is pure for a
# given (value, locale), so results are memoised per locale.


@lru_cache(maxsize=64)
def _day_names(locale: str) -> tuple[str, ...]:
    names = get_day_names("wide", locale=locale)  # 0 = Monday
    return tuple(names[i] for i in range(7))


@lru_cache(maxsize=64)
def _short_day_names(locale: str) -> tuple[str, ...]:
    names = get_day_names("abbreviated", locale=locale)
    return tuple(names[i] for i in range(7))


def weekday_short(iso_weekday: int) -> str:
    """1 → 周一 / Mon (a jump-to-day link)."""
    return _short_day_names(str(get_locale()))[iso_weekday - 1]


def weekday_name(iso_weekday: int) -> str:
    """1 → 星期一 / Monday."""
    return _day_names(str(get_locale()))[iso_weekday - 1]


@lru_cache(maxsize=4096)
def _format_time(value: dt.time, locale: str) -> str:
    return format_time(value, "HH:mm", locale=locale)


def days_text(offering) -> str:
    """The weekdays a class meets on, in the active language: 星期二、星期四 / Tuesday and Thursday."""
    names = [weekday_name(day) for day in offering.days]
    if str(get_locale()) != "en":
        return "、".join(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def weekday_names() -> dict[int, str]:
    """{1: 星期一, …, 7: 星期日} in the active language (choices for weekday fields)."""
    return {day: weekday_name(day) for day in range(1, 8)}


def short_time(value: dt.time) -> str:
    return _format_time(value, str(get_locale()))


@lru_cache(maxsize=4096)
def _format_date(value: dt.date, pattern: str, locale: str) -> str:
    return format_date(value, pattern, locale=locale)


def long_date(value: dt.date) -> str:
    """2026年12月6日星期日 / Sunday, December 6, 2026."""
    return _format_date(value, "full", str(get_locale()))


def short_date(value: dt.date) -> str:
    return _format_date(value, "medium", str(get_locale()))


@lru_cache(maxsize=4096)
def _format_money(amount: int, locale: str) -> str:
    # The yuan sign itself in every language: Babel's English symbol for CNY is "CN¥", which a
    # reader here takes for a typo; the number is grouped for the locale.
    return "¥" + format_decimal(amount, format="#,##0", locale=locale)


def money(amount: int | None) -> str:
    """¥3,200 — whole yuan, grouped for the locale."""
    return "" if amount is None else _format_money(amount, str(get_locale()))


@lru_cache(maxsize=4096)
def _format_fen(fen: int, locale: str) -> str:
    return "¥" + format_decimal(Decimal(fen) / 100, format="#,##0.00", locale=locale)  # ¥87.50, as money()


def money_fen(fen: int | None) -> str:
    """An amount kept in fen (piece rates, work-order earnings): ¥0.35, ¥1,250.50; whole yuan as money()."""
    if fen is None:
        return ""
    return money(fen // 100) if fen % 100 == 0 else _format_fen(fen, str(get_locale()))


def local_date(value: dt.datetime) -> str:
    """A stored UTC moment as the date in the county (Asia/Shanghai)."""
    return _format_date(value.astimezone(TZ).date(), "long", str(get_locale()))


@lru_cache(maxsize=512)
def _spoken_time(value: dt.time, locale: str) -> str:
    return format_time(value, "h:mm a" if locale == "en" else "B h:mm", locale=locale)


def spoken_time(value: dt.time) -> str:
    """How people say it: 上午 9:00, 下午 2:30 / 9:00 AM."""
    return _spoken_time(value, str(get_locale()))


def local_time(value: dt.datetime) -> str:
    return _format_time(value.astimezone(TZ).time().replace(second=0, microsecond=0), str(get_locale()))


def number(value: int | float) -> str:
    return format_decimal(value, locale=str(get_locale()))


def datetime_local(value: dt.datetime | None) -> str:
    """A moment in the county's time: 2026年12月6日 08:00 / Dec 6, 2026, 08:00. Naive values are UTC
    (SQLite returns timezone-aware columns without their zone)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    local = value.astimezone(TZ)
    return format_datetime(local, "medium", tzinfo=local.tzinfo, locale=str(get_locale()))


def display_name(thing) -> str:
    """The name of a town, programme, institution or policy (anything with `name` and `name_en`)
    in the page's language: its English or pinyin name in English when it has one, else the Chinese.
    An offering is named by its programme."""
    if thing is None:
        return ""
    named = getattr(thing, "programme", thing) if not hasattr(thing, "name") else thing
    if str(get_locale()) == "en" and (english := getattr(named, "name_en", "")):
        return english
    return named.name


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        name=display_name,
        days=days_text,
        weekday=weekday_name,
        weekday_short=weekday_short,
        hhmm=short_time,
        long_date=long_date,
        short_date=short_date,
        money=money,
        money_fen=money_fen,
        local_date=local_date,
        local_time=local_time,
        spoken_time=spoken_time,
        number=number,
        datetime_local=datetime_local,
    )
    app.jinja_env.globals.update(html_lang=html_lang, get_locale=get_locale, display_name=display_name)
