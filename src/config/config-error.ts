// The config's path and error type, apart from resolve.ts so that modules evaluated at plugin
// import can name them without evaluating TypeBox.
export const CONFIG_PATH = "plugins.entries.inferrs.config";
export const LLMMAN_CONFIG_PATH = `${CONFIG_PATH}.llmman`;

export class ConfigError extends Error {
  override name = "InferrsConfigError";
}
