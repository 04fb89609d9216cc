"""Text search for Chinese names by characters, full pinyin or pinyin initials.

`hongbei`, `hb`, `烘焙`, `ｈｏｎｇ ｂｅｉ` all find 烘焙. Each searchable name is stored once in a
key of three forms (characters | full pinyin | initials); a query term matches when it is a
substring of the key. pypinyin does the character-to-pinyin work.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from pypinyin import Style, lazy_pinyin

MAX_QUERY = 100
MAX_TERMS = 5
_NOT_WORD = re.compile(r"[^\w]+", re.UNICODE)


def normalise(text: str) -> str:
    """Full-width to half-width (NFKC), lower case, trimmed; inner runs of spaces become one."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return " ".join(text.split())


def query_terms(query: str) -> list[str]:
    """The words of a query that take part in matching; punctuation and symbols are dropped."""
    text = normalise(query)[:MAX_QUERY]
    terms = [t for t in (_NOT_WORD.sub("", word).replace("_", "") for word in text.split()) if t]
    return terms[:MAX_TERMS]


def search_key(primary: Iterable[str | None], secondary: Iterable[str | None] = ()) -> str:
    """The stored key of a record: characters and full pinyin of every name, and pinyin initials
    of the primary names only (initials of long addresses would match almost any two letters)."""
    parts: list[str] = []
    for names, with_initials in ((primary, True), (secondary, False)):
        for name in names:
            text = _NOT_WORD.sub("", normalise(name or "")).replace("_", "")
            if not text:
                continue
            forms = [text, "".join(lazy_pinyin(text))]
            if with_initials:
                forms.append("".join(lazy_pinyin(text, style=Style.FIRST_LETTER)))
            parts.extend(dict.fromkeys(forms))
    return "|" + "|".join(parts) + "|"


def like_pattern(term: str) -> str:
    """A LIKE pattern for `term` anywhere; terms never contain % or _ (query_terms drops them)."""
    return f"%{term}%"
