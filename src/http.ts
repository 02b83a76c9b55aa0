// Small HTTP helpers shared by discovery and the server supervisor.

/** inferrs has no auth; a configured key is still sent, as OpenAI clients do. */
export function bearerHeaders(apiKey: string | undefined): Record<string, string> {
  return apiKey ? { authorization: `Bearer ${apiKey}` } : {};
}
