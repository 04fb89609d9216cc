"""Reading what staff type or paste from Excel: dates, times, weekdays, whole numbers and yes/no.

Full-width digits and punctuation are accepted (NFKC), and Excel's own date and time cells too.
Each parser returns the value or raises ValueError; callers say what to do in the user's language.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

WEEKDAY_WORDS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7, "七": 7}
DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
TIME = re.compile(r"(\d{1,2})\s*[:点时]\s*(\d{1,2})?\s*分?")
YES = {"是", "y", "yes", "true", "1", "√", "✓", "适合"}
NO = {"否", "n", "no", "false", "0", "", "不适合", "×"}


def text(value) -> str:
    """A cell or field as clean text: full-width to half-width, trimmed, no control characters."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    cleaned = unicodedata.normalize("NFKC", str(value))
    return "".join(ch for ch in cleaned if ch.isprintable()).strip()


def clean(value) -> str:
    """Free text (names, places) as typed: trimmed, no control characters; full-width punctuation kept
    (电工（初级） stays as written)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "".join(ch for ch in str(value) if ch.isprintable()).strip()


def parse_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    match = DATE.fullmatch(text(value))
    if not match:
        raise ValueError(value)
    return dt.date(*(int(part) for part in match.groups()))


def parse_time(value) -> dt.time:
    if isinstance(value, dt.datetime):
        return value.time().replace(second=0, microsecond=0)
    if isinstance(value, dt.time):
        return value.replace(second=0, microsecond=0)
    match = TIME.fullmatch(text(value))
    if not match:
        raise ValueError(value)
    return dt.time(int(match.group(1)), int(match.group(2) or 0))


def parse_weekday(value) -> int:
    """1–7, 星期三, 周三, 礼拜三, 三; Sunday as 日, 天 or 7."""
    word = text(value)
    for prefix in ("星期", "礼拜", "周"):
        word = word.removeprefix(prefix)
    if word.isdigit() and 1 <= int(word) <= 7:
        return int(word)
    if word in WEEKDAY_WORDS:
        return WEEKDAY_WORDS[word]
    raise ValueError(value)


def parse_whole(value, minimum: int = 0, maximum: int = 100_000_000) -> int:
    """A whole number from minimum to maximum (which keeps it inside a database integer); thousands
    separators, 元 and 人 are allowed (3,200元, 30人)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not float(value).is_integer():
            raise ValueError(value)
        number = int(value)
    else:
        word = text(value).replace(",", "").removesuffix("元").removesuffix("人").strip()
        if not word.isdigit() or len(word) > 12:
            raise ValueError(value)
        number = int(word)
    if not minimum <= number <= maximum:
        raise ValueError(value)
    return number


def parse_decimal(value) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    word = text(value).removesuffix("年").strip()
    if len(word) > 12:
        raise ValueError(value)
    return float(word)


def parse_yes_no(value) -> bool:
    word = text(value).lower()
    if word in YES:
        return True
    if word in NO:
        return False
    raise ValueError(value)
