"""A PostgreSQL URL without a driver names the one that is installed.

SQLAlchemy reads a bare ``postgresql://`` as its default driver, which changed from psycopg2
to psycopg (3) with SQLAlchemy 2.1; the ``postgres`` extra installs psycopg2. So that a URL
written either way (and the ``postgres://`` scheme many hosts hand out) opens the staging
database, a URL without a driver gets the installed one, psycopg first. A URL naming its driver
(``postgresql+psycopg2://``) is left as written.
"""

from __future__ import annotations

from importlib.util import find_spec

_BARE = ("postgresql://", "postgres://")


def with_installed_driver(url: str) -> str:
    """``url`` with the installed PostgreSQL driver when it names none; anything else as is."""
    scheme = next((s for s in _BARE if url.startswith(s)), None)
    if scheme is None:
        return url
    driver = next((d for d in ("psycopg", "psycopg2") if find_spec(d) is not None), None)
    if driver is None:
        return url  # SQLAlchemy's error names the driver to install
    return f"postgresql+{driver}://{url[len(scheme) :]}"
