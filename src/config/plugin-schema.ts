// The schema as OpenClaw takes it: JSON Schema for the manifest and the host's validator, plus
// our own safeParse so the host reports the same messages the plugin does at runtime.
import { ConfigError, resolveConfig } from "./resolve.ts";
import { PluginConfigSchema } from "./schema.ts";

/** Plain JSON Schema (TypeBox's symbol keys dropped): the manifest's `configSchema`. */
export function configJsonSchema(): Record<string, unknown> {
  return JSON.parse(JSON.stringify(PluginConfigSchema));
}

export const pluginConfigSchema = {
  jsonSchema: configJsonSchema(),
  safeParse(value: unknown) {
    try {
      resolveConfig(value);
      return { success: true, data: value };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return { success: false, error: { issues: [{ path: [], message: error.message }] } };
    }
  },
};
