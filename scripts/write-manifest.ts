// Writes the TypeBox schema into openclaw.plugin.json's `configSchema` (`npm run manifest`).
// __tests__/manifest.test.ts fails when the two drift.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { configJsonSchema } from "../src/config/plugin-schema.ts";
import { projectDir } from "./host.ts";

const file = join(projectDir, "openclaw.plugin.json");
const manifest = JSON.parse(readFileSync(file, "utf8"));
manifest.configSchema = configJsonSchema();
writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`Updated ${file}`);
