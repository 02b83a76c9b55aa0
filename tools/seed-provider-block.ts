// The hand-written `models.providers.inferrs` block of OpenClaw's inferrs page (the manual setup
// this plugin replaces), pointed at a given server. The bench's baseline and the e2e proof that
// the compat flags matter both use it.
type Json = Record<string, unknown>;

export function seedProviderBlock(baseUrl: string, options: { compat?: boolean } = {}): Json {
  return {
    mode: "merge",
    providers: {
      inferrs: {
        baseUrl,
        apiKey: "inferrs-local",
        api: "openai-completions",
        models: [
          {
            id: "google/gemma-4-E2B-it",
            name: "Gemma 4 E2B (inferrs)",
            reasoning: false,
            input: ["text"],
            cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
            contextWindow: 131072,
            maxTokens: 4096,
            ...(options.compat === false ? {} : { compat: { requiresStringContent: true } }),
          },
        ],
      },
    },
  };
}
