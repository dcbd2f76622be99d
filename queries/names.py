"""The stored questions' names and the engines that answer them, known without parsing.

``celltx --help`` and ``celltx query --help`` list them; this module imports nothing beyond the
standard library, so that help does not wait for the catalogue's models (pydantic).
"""

from __future__ import annotations

from importlib import resources

ENGINES: tuple[str, ...] = ("embedded", "python", "sparql", "neo4j")
"""What ``run_query(engine=…)`` accepts (``celltx.queries.run`` runs them)."""


def unknown_engine(engine: str) -> str | None:
    """What is wrong with engine name ``engine`` (one line listing the engines), or None."""
    return None if engine in ENGINES else (f"unknown engine {engine!r}; engines: "
                                           f"{', '.join(ENGINES)}")


SLICE_PARAMS: tuple[str, ...] = ("registry", "status", "since", "until", "cell_source")
"""The landscape-slice parameters (``python_answers.in_slice``): they narrow an answer's
coverage to its own scope."""


def query_names() -> list[str]:
    """The stored questions' names, sorted: the stems of ``queries/*.cypher`` (the catalogue
    checks that each file's header names it so)."""
    folder = resources.files("celltx.queries")
    return sorted(e.name[: -len(".cypher")] for e in folder.iterdir()
                  if e.name.endswith(".cypher"))
