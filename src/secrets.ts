// The one masking rule. Values that could be secrets never appear in errors, status or logs:
// the API key, and every service.env or models.<id>.env value of MIN_SECRET_LENGTH characters or more, whatever the
// variable is called (a name says nothing reliable about its value). Shorter values are too
// common in ordinary text ("1", "cpu", "true") to mask; they are not credentials either.
export const MIN_SECRET_LENGTH = 6;
export const REDACTED = "<redacted>";

/** Token-looking text in a server's output, whoever set it: Hugging Face tokens, bearer and key=value. */
const TOKEN_PATTERNS = [/\bhf_[A-Za-z0-9]{8,}/g, /(bearer\s+)\S+/gi, /((?:token|api[_-]?key|secret|password)\s*[=:]\s*)\S+/gi];

/** What the masking rule reads from a backend's config (inferrs, llmman). */
export type SecretSources = {
  apiKey: string | undefined;
  service: { env: Record<string, string> };
  models: Record<string, { env?: Record<string, string> }>;
};

export function configSecrets(config: SecretSources): string[] {
  const envValues = [config.service.env, ...Object.values(config.models).map((model) => model.env ?? {})].flatMap(Object.values);
  return [...(config.apiKey ? [config.apiKey] : []), ...envValues.filter((value) => value.length >= MIN_SECRET_LENGTH)];
}

/** `text` with every given secret (longest first) and every token-looking value replaced. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret) out = out.split(secret).join(REDACTED);
  }
  for (const pattern of TOKEN_PATTERNS) {
    out = out.replace(pattern, (match, prefix?: string) =>
      typeof prefix === "string" && match.startsWith(prefix) ? `${prefix}${REDACTED}` : REDACTED,
    );
  }
  return out;
}
