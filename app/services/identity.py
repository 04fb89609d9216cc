"""Normalising and checking what people type about themselves: phone, name, ID-card number."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

PHONE = re.compile(r"1[3-9]\d{9}")
# Chinese names, with the middle dot of minority names (·, also typed as • or ・); or Latin letters.
NAME = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]+(·[\u4e00-\u9fff\u3400-\u4dbf]+)*|[A-Za-z][A-Za-z .'-]*")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def halfwidth(text: str) -> str:
    """Full-width digits and letters to ASCII (NFKC); other text unchanged."""
    return unicodedata.normalize("NFKC", text or "")


def normalise_phone(text: str | None) -> str:
    """'138 1234-5678', '１３８１２３４５６７８', '+86 138…' → '13812345678' (unchecked)."""
    digits = re.sub(r"[\s\-()（）]", "", halfwidth(text or ""))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits


def is_mobile(phone: str) -> bool:
    return bool(PHONE.fullmatch(phone))


def normalise_name(text: str | None) -> str:
    name = halfwidth(text or "").strip()
    name = re.sub(r"\s*[•・‧∙⋅·]\s*", "·", name)  # the dots people type for ·
    if re.search(r"[\u3400-\u9fff]", name):
        return re.sub(r"\s+", "", name)  # 王 芳 → 王芳
    return re.sub(r"\s+", " ", name)


def is_name(name: str) -> bool:
    return 1 <= len(name) <= 40 and bool(NAME.fullmatch(name))


def normalise_id_card(text: str | None) -> str:
    return re.sub(r"[\s\-]", "", halfwidth(text or "")).upper()


def is_id_card(number: str) -> bool:
    """A mainland resident ID (GB 11643-1999): 17 digits, a check character, a real birth date."""
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], ID_WEIGHTS, strict=True))
    if ID_CHECK[total % 11] != number[17]:
        return False
    year, month, day = int(number[6:10]), int(number[10:12]), int(number[12:14])
    return 1900 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31


def id_card_birth_year(number: str) -> int:
    return int(number[6:10])


def mask_id_card(number: str) -> str:
    """330482199001011234 → 3304**********1234."""
    return number[:4] + "*" * 10 + number[-4:]


def id_card_hash(number: str, secret: str) -> str:
    """A keyed hash: recognises the same number again without storing it."""
    return hmac.new(secret.encode(), number.encode(), hashlib.sha256).hexdigest()
