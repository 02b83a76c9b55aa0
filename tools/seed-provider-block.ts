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

/**
 * The hand-written `models.providers.llmman` block of OpenClaw's docs/providers/llmman.md
 * ("Configuration"), pointed at a given daemon, for one model id. The page's apiKey is
 * `${LLMMAN_API_KEY}` from `~/.openclaw/.env` with `LLMMAN_API_KEY=llmman-local`: inlined here.
 */
export function seedLlmmanBlock(baseUrl: string, modelId: string): Json {
  return {
    mode: "merge",
    providers: {
      llmman: {
        baseUrl,
        apiKey: "llmman-local",
        api: "openai-completions",
        timeoutSeconds: 300,
        models: [
          {
            id: modelId,
            name: `${modelId} (llmman)`,
            reasoning: true,
            input: ["text"],
            cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
            contextWindow: 65536,
            maxTokens: 8192,
          },
        ],
      },
    },
  };
}
