"""Reading request parameters that must be numbers."""


def pk_from(value) -> int | None:
    """A primary key from a form or a query string, or None (which finds nothing) for anything else:
    ASCII digits only ("²" and "٣" pass str.isdigit()), and few enough for a bigint (and for int()
    at all: it refuses strings of more than 4,300 digits)."""
    text = str(value) if value else ""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None
