"""Which Jurnal customer an invoice names, and the name that customer has in Jurnal (J-50).

An order with an iSeller customer (``customer_id``) is invoiced to the Jurnal customer whose
``custom_id`` is that id; an order without one (a walk-in sale) to the config's walk-in
customer. A sales invoice names its person by display name only (``person_name``: Jurnal
documents no ``person_id`` on an invoice), and Jurnal keeps display names unique (J-30), so
two iSeller customers called the same must have different names in Jurnal, or their sales
would land on one customer. Every display name therefore ends in a short tag of the iSeller
id, always, not only on a clash: ``Siti Rahmawati (3f2a9c1d)``. The name is then a function
of the order alone, known when the invoice is built, the same on every run and on every
machine, and it never takes the name of a customer the merchant created by hand.

The tag is the first 8 hex digits of SHA-256 of the id: iSeller ids of any shape (GUIDs,
sequential numbers sharing a prefix) give well-spread tags. The full id is the customer's
``custom_id``.

The name part is the customer's name from the order, as iSeller holds it (quotes, emoji,
right-to-left scripts kept), in Unicode NFC, with control characters read as spaces,
direction overrides and isolates dropped (they would make a name show as something it is
not) and runs of spaces collapsed. A customer without a name is ``iSeller customer``. The
whole name is at most `DISPLAY_NAME_LIMIT` characters: a longer name part is cut, at a
character boundary and never after a joiner, to leave room for the tag.
"""

from __future__ import annotations

import hashlib
import unicodedata
from functools import lru_cache

from journal_pipeline.core.missing import text_or_none

#: Longest display name sent to Jurnal, in characters. Jurnal documents no limit; 255 is the
#: length of a Rails string column, the usual limit of a Rails application's names (J-50).
DISPLAY_NAME_LIMIT = 255
TAG_LENGTH = 8
NAMELESS = "iSeller customer"

# U+202A..U+202E embeddings and overrides, U+2066..U+2069 isolates
_DIRECTION_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
_JOINERS = frozenset({"\u200d", "\u200c"})


def customer_tag(customer_id: str) -> str:
    """The short, deterministic tag of an iSeller customer id in its display name."""
    return hashlib.sha256(customer_id.encode("utf-8")).hexdigest()[:TAG_LENGTH]


def clean_name(value: object) -> str | None:
    """A customer's name as it can be shown in Jurnal, or None when nothing is left of it."""
    text = text_or_none(value)
    if text is None:
        return None
    text = unicodedata.normalize("NFC", text)
    kept = (
        " " if unicodedata.category(ch) == "Cc" else ch
        for ch in text
        if ch not in _DIRECTION_CONTROLS
    )
    return " ".join("".join(kept).split()) or None


def _cut(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters without leaving a dangling joiner or a
    combining mark cut off from its letter."""
    if len(text) <= limit:
        return text
    end = limit
    while end > 0 and unicodedata.category(text[end]).startswith("M"):
        end -= 1  # the next character belongs to the last one kept: drop both
    cut = text[:end]
    while cut and (cut[-1] in _JOINERS or cut[-1].isspace()):
        cut = cut[:-1]
    return cut


def display_name(customer_id: str, name: object) -> str:
    """The Jurnal display name of the iSeller customer ``customer_id`` called ``name``."""
    if type(customer_id) is str and (name is None or type(name) is str):
        return _display_name(customer_id, name)  # a day names its regulars again and again
    return _display_name.__wrapped__(customer_id, name)


@lru_cache(maxsize=65_536)
def _display_name(customer_id: str, name: object) -> str:
    tag = f" ({customer_tag(customer_id)})"
    base = clean_name(name) or NAMELESS
    return _cut(base, DISPLAY_NAME_LIMIT - len(tag)) + tag


def invoice_person(customer_id: object, name: object, walk_in_customer: str) -> str:
    """The ``person_name`` of an order's invoice: its customer's display name, or the
    walk-in customer when the order names no customer id."""
    ident = text_or_none(customer_id)
    if ident is None:
        return walk_in_customer
    return display_name(ident, name)


def same_name(a: object, b: object) -> bool:
    """Whether Jurnal would read two names as one (case and repeated spaces ignored, J-11)."""
    return _folded(a) == _folded(b)


def _folded(value: object) -> str:
    return " ".join(str(value or "").split()).casefold()
