"""Pinyin initials for roster search, computed here so the phone ships no dictionary."""

from pypinyin import Style, lazy_pinyin


def initials(text: str) -> str:
    """ "张三" → "zs"; letters and digits pass through in lower case."""
    letters = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")
    return "".join(letter[:1] for letter in letters if letter).lower()
