// The schema as plain JSON Schema: the manifest's `configSchema` (`npm run manifest`), which is
// what OpenClaw validates the config with. The plugin entry reads it back from the manifest, built
// in, so that importing the plugin does not evaluate TypeBox.
import { PluginConfigSchema } from "./schema.ts";

/** Plain JSON Schema (TypeBox's symbol keys dropped). */
export function configJsonSchema(): Record<string, unknown> {
  return JSON.parse(JSON.stringify(PluginConfigSchema));
}
