"""Word-by-word comparison of two texts (R-ASSESS-7: earlier versions compared with the
current one, changes highlighted word by word). Pure: no Django, no database.

A text is split into words (runs of non-space characters) and line breaks, so a comparison
keeps the lines of what was written. The result is a list of ``(op, words)`` runs in reading
order, ``op`` one of ``EQUAL``, ``DELETE`` (only in the old text) and ``INSERT`` (only in the
new one); a replaced run is its deletion followed by its insertion. Joining the ``EQUAL`` and
``DELETE`` runs gives the old text's words back, the ``EQUAL`` and ``INSERT`` runs the new one's.
"""

import re
from difflib import SequenceMatcher

EQUAL = "equal"
DELETE = "delete"
INSERT = "insert"

NEWLINE = "\n"
_TOKEN = re.compile(r"[^\S\n]*(\n)|(\S+)")


def words(text: str | None) -> list[str]:
    """The words and line breaks of ``text``: other white space only separates words."""
    normalised = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return [match.group(1) or match.group(2) for match in _TOKEN.finditer(normalised)]


def word_diff(old: str | None, new: str | None) -> list[tuple[str, list[str]]]:
    """The runs of words that stay, go and come between ``old`` and ``new``."""
    before, after = words(old), words(new)
    # Without autojunk: in long texts frequent words ("the", "and") would otherwise be
    # ignored as junk, and whole paragraphs reported as replaced.
    matcher = SequenceMatcher(a=before, b=after, autojunk=False)
    runs: list[tuple[str, list[str]]] = []

    def add(op: str, tokens: list[str]) -> None:
        if not tokens:
            return
        if runs and runs[-1][0] == op:
            runs[-1] = (op, runs[-1][1] + tokens)
        else:
            runs.append((op, list(tokens)))

    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add(EQUAL, before[i1:i2])
        else:
            add(DELETE, before[i1:i2])
            add(INSERT, after[j1:j2])
    return runs


def has_changes(runs: list[tuple[str, list[str]]]) -> bool:
    return any(op != EQUAL for op, _ in runs)


def joined(tokens: list[str]) -> str:
    """Words back into text: single spaces between words, line breaks kept."""
    text = ""
    for token in tokens:
        if token == NEWLINE:
            text = text.rstrip(" ") + NEWLINE
        elif text and not text.endswith(NEWLINE):
            text += " " + token
        else:
            text += token
    return text
