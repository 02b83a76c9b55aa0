// The config's path and error type, apart from resolve.ts so that modules evaluated at plugin
// import can name them without evaluating TypeBox.
export const CONFIG_PATH = "plugins.entries.inferrs.config";

export class ConfigError extends Error {
  override name = "InferrsConfigError";
}
