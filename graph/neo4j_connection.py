"""Opening a Neo4j driver that fails fast, and one-line messages for what a server can refuse.

Used by ``celltx push`` and ``celltx query --engine neo4j``: the connection is checked once
(``verify_connectivity``) before any work, so a closed port fails in about a second instead of
spending the driver's 30-second transaction retries; the driver's notifications (such as GQL
status 01G11, "null value eliminated in set function") are switched off, and its log is kept to
errors, so stderr carries only celltx's own line.
"""

from __future__ import annotations

from typing import Any

BOLT_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")
CONNECTION_TIMEOUT = 5.0


class ServerError(Exception):
    """A server that cannot be used; the message is one line naming the URI and what to do."""


def open_driver(uri: str, auth: tuple[str, str] | None) -> Any:
    """A ``neo4j.Driver`` to ``uri`` whose connection has been checked (:class:`ServerError`
    otherwise)."""
    scheme = uri.split("://", 1)[0].lower() if "://" in uri else ""
    if scheme not in BOLT_SCHEMES:
        raise ServerError(f"{uri}: not a Bolt URI; use bolt://HOST:7687 or neo4j://HOST:7687 "
                          f"(schemes: {', '.join(BOLT_SCHEMES)})")
    from urllib.parse import urlsplit

    try:
        urlsplit(uri).port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:  # the driver took port 99999 as 34463 (modulo 65536)
        raise ServerError(f"{uri}: not a Bolt URI ({exc})") from None
    import logging  # here, not at import: `celltx query` imports ServerError on every engine
    import warnings

    from neo4j import GraphDatabase

    logging.getLogger("neo4j").setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            driver = GraphDatabase.driver(uri, auth=auth, connection_timeout=CONNECTION_TIMEOUT,
                                          notifications_min_severity="OFF")
    except ValueError as exc:
        raise ServerError(f"{uri}: {exc}") from None
    try:
        driver.verify_connectivity()
    except Exception as exc:
        driver.close()
        raise ServerError(describe(exc, uri, auth[0] if auth else None)) from None
    return driver


def describe(exc: BaseException, uri: str, user: str | None) -> str:
    """One line for an error the driver raised."""
    from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable

    if isinstance(exc, AuthError):
        return (f"{uri} refused the credentials of {user!r}: {exc.message}; check "
                "NEO4J_USERNAME and NEO4J_PASSWORD")
    if isinstance(exc, ServiceUnavailable):
        reason = str(exc).strip().splitlines()[-1].strip() if str(exc).strip() else "no answer"
        return (f"cannot reach {uri} ({reason}); is the server running "
                "(docker compose up -d neo4j)?")
    if isinstance(exc, Neo4jError):
        return f"{uri} refused a statement: {exc.code}: {exc.message}"
    text = " ".join(str(exc).split())
    return f"{uri}: {type(exc).__name__}: {text}"
