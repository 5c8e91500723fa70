"""Text as a person reads it: one normaliser for every imported cell and every field of the lawyers' forms (names
and firms are printed on certificates, so what is kept must be what is seen), and lists of names joined as the
reader's language writes them."""

from __future__ import annotations

import unicodedata

from django.utils.translation import pgettext

# Control (Cc) and format (Cf) characters: NUL, terminal escapes, zero-width spaces and joiners, soft hyphens,
# bidirectional overrides (U+202E makes a name display backwards). Invisible, or shown differently from what is
# stored; a zero-width space also makes two equal-looking names compare unequal.
_INVISIBLE = ("Cc", "Cf")


def clean_text(value: object) -> str:
    """NFKC (full-width letters and digits to half-width, compatibility forms to their usual letters), control and
    format characters dropped (a tab or line break among them stands for a space), runs of spaces made one, trimmed.
    None is ""."""
    text = unicodedata.normalize("NFKC", "" if value is None else str(value))
    if not text.isprintable():  # most cells are (no control, format or separator character but the space)
        text = "".join(ch for ch in text if ch.isspace() or unicodedata.category(ch) not in _INVISIBLE)
    return " ".join(text.split())


def join_names(names) -> str:
    """Names listed as the reader's language writes a list: "Li Ming, Chen Jie" in English, "李明、陈洁" in Chinese."""
    # Translators: what separates the names in a list, e.g. "Li Ming, Chen Jie"; in Chinese the enumeration comma.
    return pgettext("between the names of a list", ", ").join(str(name) for name in names)
