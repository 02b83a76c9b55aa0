// The host's synthetic auth for a key-less local server: the configured key, else a marker. Read
// without the validator (a sync hook); a bad config fails the request with its ConfigError.
export function syntheticAuth(configuredKey: unknown, marker: string, source: string) {
  return { apiKey: typeof configuredKey === "string" && configuredKey ? configuredKey : marker, source, mode: "api-key" as const };
}
