// docs/inferrs.md carries a config reference generated from the TypeBox schema; it must match
// what scripts/config-reference.ts renders from the schema today.
import { readFileSync } from "node:fs";
import {
  docsFile,
  END_MARKER,
  extractReferenceBlock,
  renderConfigReference,
  START_MARKER,
  WRITE_COMMAND,
} from "../scripts/config-reference.ts";
import { PluginConfigSchema } from "../src/config/schema.ts";

test("the config reference in docs/inferrs.md is up to date with src/config/schema.ts", () => {
  const doc = readFileSync(docsFile, "utf8");
  const expected = renderConfigReference();
  let actual: string;
  try {
    actual = extractReferenceBlock(doc);
  } catch (error) {
    throw new Error(
      `docs/inferrs.md has no usable config reference block (${(error as Error).message}). ` +
        `Put ${START_MARKER} and ${END_MARKER} where the table belongs and run \`${WRITE_COMMAND}\` (or \`npm run docs\`).`,
    );
  }
  if (actual !== expected) {
    const actualLines = actual.split("\n");
    const expectedLines = expected.split("\n");
    const first = expectedLines.findIndex((line, index) => line !== actualLines[index]);
    const line = first < 0 ? expectedLines.length : first;
    throw new Error(
      `The config reference in docs/inferrs.md does not match src/config/schema.ts (stale, or edited by hand). ` +
        `Run \`${WRITE_COMMAND}\` (or \`npm run docs\`) and commit docs/inferrs.md.\n` +
        `First difference, line ${line + 1} of the block:\n` +
        `  docs:   ${actualLines[line] ?? "(missing)"}\n` +
        `  schema: ${expectedLines[line] ?? "(missing)"}`,
    );
  }
});

test("every key of the schema, nested ones included, has a row in the reference", () => {
  const reference = renderConfigReference();
  const schema = PluginConfigSchema.properties;
  const keys = [
    ...Object.keys(schema),
    ...Object.keys(schema.service.properties).map((key) => `service.${key}`),
    ...Object.keys(Object.values(schema.models.patternProperties)[0]!.properties).map((key) => `models.<id>.${key}`),
  ];
  for (const key of keys) expect(reference).toContain(`| \`${key}\` |`);
  expect(reference).toContain("| `discoveryTimeoutMs` | integer | `2000` | ≥ 50 and ≤ 60000 |");
});
