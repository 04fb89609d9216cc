"""Reading what staff type or paste from Excel: dates, times, weekdays, whole numbers, money and yes/no.

Full-width digits and punctuation are accepted (NFKC), and Excel's own date and time cells too:
cells Excel marks as dates arrive as datetimes, but those in Chinese Excel's built-in formats
(number formats 27–36 and 50–58: 2027年3月6日, 8时00分, 上午8时00分) and plain serials arrive as
numbers — days since 1899-12-30, the time as the fraction of a day — and are read as such wherever
a date or a time is expected. Each parser returns the value or raises ValueError; callers say what
to do in the user's language.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

WEEKDAY_WORDS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7, "七": 7}
ENGLISH_WEEKDAYS = {
    "mon": 1,
    "monday": 1,
    "tue": 2,
    "tues": 2,
    "tuesday": 2,
    "wed": 3,
    "wednesday": 3,
    "thu": 4,
    "thur": 4,
    "thurs": 4,
    "thursday": 4,
    "fri": 5,
    "friday": 5,
    "sat": 6,
    "saturday": 6,
    "sun": 7,
    "sunday": 7,
}
DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
# 8:30, 8点30, 8时30分, 8:30:00, 8点半; the hour alone with 点 or 时 (8点).
TIME = re.compile(r"(\d{1,2})\s*(?:[:点时]\s*(?:(半)|(\d{1,2})\s*分?(?:\s*[:分]?\s*(\d{1,2})\s*秒?)?)?)")
MORNING = ("上午", "早上", "早晨", "凌晨", "清晨", "早")
AFTERNOON = ("下午", "晚上", "傍晚", "夜间", "晚")
NOON = ("中午",)
RANGE = re.compile(r"\s*(?:-|–|—|~|～|至|到)\s*")
YES = {"是", "y", "yes", "true", "1", "√", "✓", "适合"}
NO = {"否", "n", "no", "false", "0", "", "不适合", "×"}
FREE = {"免费", "无", "不收费", "公益", "0元", "—", "-"}
EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 is 1900-01-01 (Excel counts a 29 February 1900 that never was)
# Serials of the years any date here may be (1990–2099); other numbers are not taken for dates.
SERIALS = range(32874, 73051)


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


def _number(value) -> float | None:
    """A cell that holds a number (not a bool), else None."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def from_serial(serial: float) -> dt.date:
    """Excel's day number (1900 date system) as a date; the time of day, if any, is dropped."""
    if int(serial) not in SERIALS:
        raise ValueError(serial)
    return EXCEL_EPOCH + dt.timedelta(days=int(serial))


def parse_date(value, serials: bool = False) -> dt.date:
    """A date from a date cell, an Excel serial number (46452), 20270306, or text such as 2027-03-06,
    2027/3/6, 2027.3.6 or 2027年3月6日. With `serials`, text that is a serial is one too (a CSV saved
    from a sheet whose date column had no date format)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    number = _number(value)
    word = text(value)
    if number is None and serials and word.isdecimal() and len(word) == 5:
        number = float(word)
    if number is None and word.isdecimal() and len(word) == 8:
        number = float(word)
    if number is not None:
        if number.is_integer() and 19000101 <= number <= 29991231:  # 20270306 typed as a number
            whole = int(number)
            return dt.date(whole // 10000, whole // 100 % 100, whole % 100)
        return from_serial(number)
    match = DATE.fullmatch(word)
    if not match:
        raise ValueError(value)
    return dt.date(*(int(part) for part in match.groups()))


def _from_fraction(number: float) -> dt.time:
    """The time part of an Excel serial (0.3333… is 08:00), to the nearest minute."""
    if number < 0:
        raise ValueError(number)
    minutes = round((number % 1) * 24 * 60)
    if minutes >= 24 * 60 or (number >= 1 and number.is_integer()):
        raise ValueError(number)
    return dt.time(minutes // 60, minutes % 60)


def parse_time(value) -> dt.time:
    """A time from a time cell, an Excel day fraction (0.354166…), or text: 08:30, 8:30:00, 8点半,
    8时30分, 上午8:00, 下午1:30, 1:30 PM."""
    if isinstance(value, dt.datetime):
        return value.time().replace(second=0, microsecond=0)
    if isinstance(value, dt.time):
        return value.replace(second=0, microsecond=0)
    number = _number(value)
    if number is not None:
        return _from_fraction(number)
    return _time_text(text(value))


def _time_text(word: str, afternoon: bool = False) -> dt.time:
    word = word.replace(" ", "")
    lowered = word.lower()
    for marker, later in (("a.m.", False), ("am", False), ("p.m.", True), ("pm", True)):
        if lowered.endswith(marker):
            word, afternoon = word[: -len(marker)], later
            break
    noon = False
    for prefix in (*MORNING, *AFTERNOON, *NOON):
        if word.startswith(prefix):
            word = word[len(prefix) :]
            afternoon, noon = prefix in AFTERNOON, prefix in NOON
            break
    match = TIME.fullmatch(word)
    if not match or (":" not in word and not re.search("[点时]", word)):
        raise ValueError(word)
    hour, half, minute, second = match.groups()
    hour, minute = int(hour), 30 if half else int(minute or 0)
    if int(second or 0) >= 60:
        raise ValueError(word)
    if (afternoon and hour < 12) or (noon and hour < 6):
        hour += 12
    return dt.time(hour, minute)


def parse_time_range(value) -> tuple[dt.time, dt.time]:
    """Both ends of "8:00-11:30", "下午1:30~4:30", "8:00至11:30" in one cell (a 下午 before the first
    time holds for the second)."""
    word = text(value)
    parts = RANGE.split(word)
    if len(parts) != 2 or not all(parts):
        raise ValueError(value)
    begins = _time_text(parts[0])
    first = parts[0].replace(" ", "")
    afternoon = any(first.startswith(p) for p in AFTERNOON) or first.lower().endswith(("pm", "p.m."))
    ends = _time_text(parts[1], afternoon=afternoon)
    return begins, ends


def is_time_range(value) -> bool:
    return isinstance(value, str) and len(RANGE.split(text(value))) == 2


def parse_weekday(value) -> int:
    """1–7, 星期三, 周三, 礼拜三, 每周三, 每星期三, 三; Sunday as 日, 天 or 7; Wed, Wednesday."""
    word = text(value).lower().rstrip(".").replace(" ", "")
    word = word.removeprefix("每")
    for prefix in ("星期", "礼拜", "周"):
        word = word.removeprefix(prefix)
    if word.isdecimal() and 1 <= int(word) <= 7:
        return int(word)
    if word in WEEKDAY_WORDS:
        return WEEKDAY_WORDS[word]
    if word in ENGLISH_WEEKDAYS:
        return ENGLISH_WEEKDAYS[word]
    raise ValueError(value)


def _whole_text(word: str) -> int:
    """Digits with thousands separators, or a decimal whose fraction is zero (30.00)."""
    word = word.replace(",", "").replace(" ", "")
    whole, dot, fraction = word.partition(".")
    if not whole.isdecimal() or len(whole) > 12 or (dot and not (fraction.isdecimal() and int(fraction) == 0)):
        raise ValueError(word)
    return int(whole)


def parse_whole(value, minimum: int = 0, maximum: int = 100_000_000) -> int:
    """A whole number from minimum to maximum (which keeps it inside a database integer); thousands
    separators, 元 and 人 are allowed (3,200元, 30人), and a zero fraction (30.00)."""
    number = _number(value)
    if number is not None:
        if not number.is_integer():
            raise ValueError(value)
        whole = int(number)
    else:
        word = text(value)
        for suffix in ("元", "人", "名"):
            word = word.removesuffix(suffix).strip()
        whole = _whole_text(word)
    if not minimum <= whole <= maximum:
        raise ValueError(value)
    return whole


def parse_money(value, maximum: int = 100_000_000) -> int:
    """Whole yuan: 1200, ￥1,200元, ¥1200, 1200.00, RMB 1200; 免费 (or 无, 不收费) is 0."""
    number = _number(value)
    if number is not None:
        return parse_whole(value, maximum=maximum)
    word = text(value).replace(" ", "")
    if word in FREE:
        return 0
    word = word.removeprefix("¥").removeprefix("RMB").removeprefix("rmb").removeprefix("人民币")
    for suffix in ("/人", "每人", "元", "人民币"):
        word = word.removesuffix(suffix)
    whole = _whole_text(word)
    if whole > maximum:
        raise ValueError(value)
    return whole


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
