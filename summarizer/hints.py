"""Cheap substring hints ahead of case-insensitive patterns (issue 14).

Most sentences and paragraphs contain none of the words a ``re.IGNORECASE`` pattern looks for; a
plain lower-case search for those words (a "hint") rules them out for a fraction of the
pattern's cost, and the pattern runs only where the hint found something. ``lowered`` makes that
safe: each character ``re.IGNORECASE`` equates with an ASCII letter reads as that letter, so a
hint can say yes in vain, never no in vain (``tests/summarizer_text/test_ranking_hints.py``
checks every Unicode character against the letters of each hint).
"""

from __future__ import annotations

__all__ = ["lowered"]

# What ``re.IGNORECASE`` also equates with i and s, and the dot ``str.lower`` adds to "İ".
_LOWER_FIXES = (("ı", "i"), ("ſ", "s"), ("\u0307", ""))


def lowered(text: str) -> str:
    """``text`` in lower case, where each character ``re.IGNORECASE`` matches with an ASCII
    letter reads as that letter (a few more characters may read as letters: the hint then
    says yes in vain)."""
    lower = text.lower()
    if not lower.isascii():  # str.replace: translate through a dict costs a lookup a character
        for char, letter in _LOWER_FIXES:
            if char in lower:
                lower = lower.replace(char, letter)
    return lower
