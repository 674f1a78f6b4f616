"""Words of a text as the suggestion engine compares them: lower case, accents folded,
a light suffix stemmer so that "manage", "managing" and "management" meet, and the short
function words left out.

>>> terms("Managing PostgreSQL databases and C++ code")
['manag', 'postgresql', 'databas', 'c++', 'code']
>>> terms("Ensure the safety of patients")
['ensur', 'safet', 'patient']
"""

from __future__ import annotations

import re
import unicodedata

#: words too common to tell one skill from another (English function words only)
_FUNCTION_WORDS = """
    a about above after again all also an and any are as at be been being both but by
    can could did do does doing during each etc for from further had has have having he her
    here hers him his how i if in into is it its itself just may me might more most must my
    no nor not of off on once only or other our ours out over own same shall she should so
    some such than that the their theirs them then there these they this those through to
    too under until up upon very via was we were what when where which while who whom why
    will with within without would you your yours"""
STOPWORDS = frozenset(_FUNCTION_WORDS.split())

# a word: letters and digits, with the + and # of "C++" and "C#" and the dots and
# hyphens inside "node.js" or "e-mail" kept
_WORD = re.compile(r"[a-z0-9]+(?:[.\-][a-z0-9]+)*[+#]*")
_SUFFIXES = ("ations", "ation", "ments", "ment", "ings", "ing", "ies", "ers", "er", "ed", "es", "s")


def fold(text: str) -> str:
    """Lower case without accents: ``fold("Résumé")`` is ``"resume"``."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def stem(word: str) -> str:
    """Strip one common English suffix, keeping at least four letters of the word."""
    if not word.isalpha():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    return word[:-1] if word[-1] in "ey" and len(word) >= 5 else word


def terms(text: str) -> list[str]:
    """The stemmed words of ``text`` in order, function words left out."""
    return [stem(w) for w in _WORD.findall(fold(text)) if w not in STOPWORDS]
