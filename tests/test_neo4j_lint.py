"""Every stored query, and every statement ``celltx push`` sends, passes Neo4j's own parser.

The parser is npm ``@neo4j-cypher/language-support@2.0.0-next.38`` installed by
``.ci/deps.d/neo4j.sh`` into ``.ci/node/``; ``tests/cypher_lint.mjs`` runs it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from celltx.graph import neo4j_writer as w
from celltx.graph.cypher_statements import constraint_statements, node_cypher, relationship_cypher
from celltx.graph.schema import NODE_LABELS, RELATIONSHIPS

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tests" / "cypher_lint.mjs"
PREFIX = ROOT / ".ci" / "node"
VERSION = "2.0.0-next.38"
PARAMETER_UNDEFINED = re.compile(r"^Parameter \$\w+ is not defined\.?$")


@pytest.fixture(scope="module")
def lint() -> object:
    if shutil.which("node") is None:
        pytest.skip("node is not installed (CI installs it with .ci/deps.d/neo4j.sh)")
    package = PREFIX / "node_modules" / "@neo4j-cypher" / "language-support" / "package.json"
    if not package.exists():
        pytest.skip(f"@neo4j-cypher/language-support is not installed in {PREFIX} "
                    "(run .ci/deps.d/neo4j.sh)")

    def run(paths: list[Path]) -> dict[str, list[dict]]:  # type: ignore[type-arg]
        done = subprocess.run(["node", str(SCRIPT), *map(str, paths)], capture_output=True,
                              text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr
        out = json.loads(done.stdout)
        assert out["version"] == VERSION
        return {path: [d for d in diags if d["severity"] == 1
                       and not PARAMETER_UNDEFINED.match(d["message"])]
                for path, diags in out["files"].items()}

    return run


def test_the_parser_rejects_neo4j_4_syntax(lint, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "old.cypher"
    bad.write_text("CREATE CONSTRAINT ON (n:Trial) ASSERT n.id IS UNIQUE\n")
    broken = tmp_path / "broken.cypher"
    broken.write_text("MATCH (t:Trial)-[:HAS_PRODUCT->(p) RETURN t\n")
    errors = lint([bad, broken])
    assert errors[str(bad)] and errors[str(broken)]


def test_every_stored_query_passes_neo4j_parser(lint) -> None:  # type: ignore[no-untyped-def]
    files = sorted((ROOT / "queries").glob("*.cypher"))
    assert len(files) >= 20
    errors = {p: e for p, e in lint(files).items() if e}
    assert not errors, json.dumps(errors, indent=1)


def test_every_statement_push_sends_passes_neo4j_parser(lint, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    texts = list(constraint_statements())
    texts += [node_cypher(label) for label in NODE_LABELS]
    texts += [relationship_cypher(t, s, e) for t, pairs in RELATIONSHIPS.items()
              for s, e in pairs]
    texts += [w.delete_relationships_cypher(t, s, e) for t, pairs in RELATIONSHIPS.items()
              for s, e in pairs]
    texts += [w.delete_nodes_cypher(label) for label in NODE_LABELS]
    for label in w.OWNER_LABELS:
        texts += [w.read_facts_cypher(label), w.read_keys_cypher(label),
                  w.replace_properties_cypher(label)]
    paths = []
    for i, text in enumerate(texts):
        path = tmp_path / f"s{i}.cypher"
        path.write_text(text + "\n")
        paths.append(path)
    errors = {p: e for p, e in lint(paths).items() if e}
    assert not errors, json.dumps(errors, indent=1)
