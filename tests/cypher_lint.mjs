// Lint Cypher files with Neo4j's own parser (@neo4j-cypher/language-support, the library
// behind Neo4j's editors). Usage: node tests/cypher_lint.mjs FILE.cypher ...
// Prints JSON: {"version": ..., "files": {path: [{severity, message, line, character}]}}.
// The package is looked up in $CELLTX_NODE_PREFIX (default: .ci/node beside this repo's tests).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const prefix = resolve(process.env.CELLTX_NODE_PREFIX || join(here, "..", ".ci", "node"));
const require = createRequire(join(prefix, "package.json"));
let entry;
try {
  entry = require.resolve("@neo4j-cypher/language-support");
} catch (err) {
  console.error(`@neo4j-cypher/language-support is not installed in ${prefix}: ` +
                "run .ci/deps.d/neo4j.sh");
  process.exit(2);
}
const lib = await import(pathToFileURL(entry).href);
const lint = lib.lintCypherQuery ?? lib.default?.lintCypherQuery;
const pkg = JSON.parse(readFileSync(join(prefix, "node_modules", "@neo4j-cypher",
                                         "language-support", "package.json"), "utf8"));
const files = {};
for (const path of process.argv.slice(2)) {
  const text = readFileSync(path, "utf8");
  const result = lint(text, {});
  files[path] = (result.diagnostics ?? []).map((d) => ({
    severity: d.severity,
    message: d.message,
    line: d.range?.start?.line,
    character: d.range?.start?.character,
  }));
}
process.stdout.write(JSON.stringify({ version: pkg.version, files }) + "\n");
