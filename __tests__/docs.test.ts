// docs/inferrs.md and docs/llmman.md carry config references generated from the TypeBox schema;
// they must match what scripts/config-reference.ts renders from the schema today.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import {
  END_MARKER,
  extractReferenceBlock,
  REFERENCE_TARGETS,
  renderConfigReference,
  START_MARKER,
  WRITE_COMMAND,
} from "../scripts/config-reference.ts";
import { LlmmanConfigSchema, PluginConfigSchema } from "../src/config/schema.ts";

const [inferrsTarget, llmmanTarget] = REFERENCE_TARGETS as [(typeof REFERENCE_TARGETS)[0], (typeof REFERENCE_TARGETS)[0]];

test.each(REFERENCE_TARGETS.map((target) => [basename(target.docsFile), target] as const))("the config reference in docs/%s is up to date with src/config/schema.ts", (page, target) => {
  const doc = readFileSync(target.docsFile, "utf8");
  const expected = renderConfigReference(target);
  let actual: string;
  try {
    actual = extractReferenceBlock(doc);
  } catch (error) {
    throw new Error(
      `docs/${page} has no usable config reference block (${(error as Error).message}). ` +
        `Put ${START_MARKER} and ${END_MARKER} where the table belongs and run \`${WRITE_COMMAND}\` (or \`npm run docs\`).`,
    );
  }
  if (actual !== expected) {
    const actualLines = actual.split("\n");
    const expectedLines = expected.split("\n");
    const first = expectedLines.findIndex((line, index) => line !== actualLines[index]);
    const line = first < 0 ? expectedLines.length : first;
    throw new Error(
      `The config reference in docs/${page} does not match src/config/schema.ts (stale, or edited by hand). ` +
        `Run \`${WRITE_COMMAND}\` (or \`npm run docs\`) and commit docs/${page}.\n` +
        `First difference, line ${line + 1} of the block:\n` +
        `  docs:   ${actualLines[line] ?? "(missing)"}\n` +
        `  schema: ${expectedLines[line] ?? "(missing)"}`,
    );
  }
});

test("every inferrs key of the schema, nested ones included, has a row in docs/inferrs.md's reference", () => {
  const reference = renderConfigReference(inferrsTarget);
  const schema = PluginConfigSchema.properties;
  const keys = [
    ...Object.keys(schema).filter((key) => key !== "llmman"),
    ...Object.keys(schema.service.properties).map((key) => `service.${key}`),
    ...Object.keys(Object.values(schema.models.patternProperties)[0]!.properties).map((key) => `models.<id>.${key}`),
  ];
  for (const key of keys) expect(reference).toContain(`| \`${key}\` |`);
  expect(reference).toContain("| `discoveryTimeoutMs` | integer | `2000` | ≥ 50 and ≤ 60000 |");
  expect(reference).not.toContain("`llmman");
});

test("every llmman key, nested ones included, has a row in docs/llmman.md's reference", () => {
  const reference = renderConfigReference(llmmanTarget);
  const schema = LlmmanConfigSchema.properties;
  const keys = [
    ...Object.keys(schema),
    ...Object.keys(schema.service.properties).map((key) => `service.${key}`),
    ...Object.keys(Object.values(schema.models.patternProperties)[0]!.properties).map((key) => `models.<id>.${key}`),
  ];
  for (const key of keys) expect(reference).toContain(`| \`llmman.${key}\` |`);
  expect(reference).toContain("| `llmman.baseUrl` | string | `\"http://127.0.0.1:17434/v1\"` |");
  expect(reference).toContain("| `llmman.service.command` | string | `\"llmman\"` |");
});
