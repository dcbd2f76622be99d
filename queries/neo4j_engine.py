"""Run stored Cypher on a Neo4j 5 server over Bolt (``celltx query --engine neo4j``).

Values come back as plain Python: nodes and relationships as property dicts, temporal values
as ISO strings, so that rows compare with the other engines' rows.
"""

from __future__ import annotations

from typing import Any


def plain(value: Any) -> Any:
    """A driver value as JSON-friendly Python."""
    from neo4j.graph import Node, Path, Relationship

    if isinstance(value, Node | Relationship):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, Path):
        return [plain(n) for n in value.nodes]
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if hasattr(value, "iso_format"):
        return value.iso_format()
    return value


def run_cypher_neo4j(text: str, params: dict[str, Any], *, uri: str, user: str | None,
                     password: str | None, database: str | None = None
                     ) -> tuple[list[str], list[list[Any]]]:
    """Columns and rows of ``text`` run with ``params`` in a read transaction
    (:class:`~celltx.graph.neo4j_connection.ServerError` with one line when the server fails)."""
    from celltx.graph.neo4j_connection import ServerError, describe, open_driver
    from neo4j.exceptions import DriverError, Neo4jError

    auth = (user, password or "") if user else None
    driver = open_driver(uri, auth)
    try:
        with driver.session(database=database) as session:

            def work(tx: Any) -> tuple[list[str], list[list[Any]]]:
                result = tx.run(text, params)
                columns = list(result.keys())
                return columns, [[plain(v) for v in record.values()] for record in result]

            return session.execute_read(work)
    except (Neo4jError, DriverError) as exc:
        raise ServerError(describe(exc, uri, user)) from None
    finally:
        driver.close()
