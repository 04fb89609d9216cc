"""Normalising and checking what people type about themselves: phone, name, ID-card number."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

# The patterns below are also sent to the worker's phone (app.forms.rules), which checks a form with
# them before keeping it offline: one copy of each rule, here.
PHONE = re.compile(r"1[3-9]\d{9}")
PHONE_STRIP = r"[\s\-()（）]"  # what people type between the digits
PHONE_PREFIXES = ("+86", "0086")
# Chinese names, with the middle dot of minority names (·, also typed as • or ・); or Latin letters.
NAME = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]+(·[\u4e00-\u9fff\u3400-\u4dbf]+)*|[A-Za-z][A-Za-z .'-]*")
NAME_DOTS = r"\s*[•・‧∙⋅·]\s*"
NAME_MAX = 40
HAN = r"[\u3400-\u9fff]"
# 6 digits of place, a birth date (year 1900–2100, month, day), 3 digits, a check character.
ID_CARD = re.compile(r"\d{6}(?:19\d\d|20\d\d|2100)(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dX]")
ID_STRIP = r"[\s\-]"
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def halfwidth(text: str) -> str:
    """Full-width digits and letters to ASCII (NFKC); other text unchanged."""
    return unicodedata.normalize("NFKC", text or "")


def normalise_phone(text: str | None) -> str:
    """'138 1234-5678', '１３８１２３４５６７８', '+86 138…' → '13812345678' (unchecked)."""
    digits = re.sub(PHONE_STRIP, "", halfwidth(text or ""))
    for prefix in PHONE_PREFIXES:
        if digits.startswith(prefix):
            return digits[len(prefix) :]
    return digits


def is_mobile(phone: str) -> bool:
    return bool(PHONE.fullmatch(phone))


def normalise_name(text: str | None) -> str:
    name = halfwidth(text or "").strip()
    name = re.sub(NAME_DOTS, "·", name)  # the dots people type for ·
    if re.search(HAN, name):
        return re.sub(r"\s+", "", name)  # 王 芳 → 王芳
    return re.sub(r"\s+", " ", name)


def is_name(name: str) -> bool:
    return 1 <= len(name) <= NAME_MAX and bool(NAME.fullmatch(name))


def normalise_id_card(text: str | None) -> str:
    return re.sub(ID_STRIP, "", halfwidth(text or "")).upper()


def is_id_card(number: str) -> bool:
    """A mainland resident ID (GB 11643-1999): 17 digits, a check character, a real birth date."""
    if not ID_CARD.fullmatch(number):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11] == number[17]


def id_card_birth_year(number: str) -> int:
    return int(number[6:10])


def mask_id_card(number: str) -> str:
    """330482199001011234 → 3304**********1234."""
    return number[:4] + "*" * 10 + number[-4:]


def id_card_hash(number: str, secret: str) -> str:
    """A keyed hash: recognises the same number again without storing it."""
    return hmac.new(secret.encode(), number.encode(), hashlib.sha256).hexdigest()
