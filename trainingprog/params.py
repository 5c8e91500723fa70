"""Reading request parameters that must be numbers."""


def pk_from(value) -> int | None:
    """A primary key from a form or a query string, or None (which finds nothing) for anything else."""
    return int(value) if value and str(value).isascii() and str(value).isdigit() else None
