// The hosted side of `llmman.provider/<provider>/<model>` and of hybrid refs (§11, §12), emulated:
// the key rules are llmman's (a client bearer is forwarded as the provider key, the literal
// `llmman` means "the daemon's own key", loopback callers only), the answer is canned.
import { chatChunks, chatResponse, newMeta, planChat } from "./answers.ts";
import type { Json, Req } from "./daemon.ts";
import { AppError, json } from "./http.ts";
import { logResponse } from "./proxy.ts";
import type { ProviderRef } from "./refs.ts";

interface ProviderInfo {
  baseUrl: string;
  wire: string;
  env: string;
}

/** The part of the models.dev catalog the emulator knows. */
const PROVIDERS: Record<string, ProviderInfo> = {
  openai: { baseUrl: "https://api.openai.com/v1", wire: "openai", env: "OPENAI_API_KEY" },
  anthropic: { baseUrl: "https://api.anthropic.com/v1", wire: "anthropic", env: "ANTHROPIC_API_KEY" },
  google: { baseUrl: "https://generativelanguage.googleapis.com/v1beta", wire: "gemini", env: "GEMINI_API_KEY" },
  openrouter: { baseUrl: "https://openrouter.ai/api/v1", wire: "openai", env: "OPENROUTER_API_KEY" },
  groq: { baseUrl: "https://api.groq.com/openai/v1", wire: "openai", env: "GROQ_API_KEY" },
  mistral: { baseUrl: "https://api.mistral.ai/v1", wire: "openai", env: "MISTRAL_API_KEY" },
};

const PLACEHOLDER_API_KEY = "llmman";

/** `client_api_key`: Authorization Bearer, then x-api-key, then x-goog-api-key; the placeholder counts as none. */
function clientKey(r: Req): string | undefined {
  const auth = /^Bearer\s+(.+)$/i.exec(String(r.req.headers.authorization ?? ""))?.[1]?.trim();
  const key = auth || String(r.req.headers["x-api-key"] ?? "") || String(r.req.headers["x-goog-api-key"] ?? "");
  return key && key !== PLACEHOLDER_API_KEY ? key : undefined;
}

function loopbackOnly(host: string): boolean {
  return host === "127.0.0.1" || host === "localhost" || host === "::1";
}

/** Answers from the hosted provider (emulated), logging `[llmman] routing …` and the key used. */
export function respondFromProvider(r: Req, body: Json, p: ProviderRef): void {
  const info = PROVIDERS[p.provider];
  if (!info) throw new AppError(502, `provider "${p.provider}" is not in the models.dev catalog`);
  let key = clientKey(r);
  let source = "client";
  if (!key && loopbackOnly(r.d.settings.addr.host)) {
    key = process.env[info.env] || undefined;
    source = "daemon";
  }
  if (!key) {
    throw new AppError(401, `no API key for provider "${p.provider}" — send it as an Authorization header, or set ${info.env} for the daemon`);
  }
  process.stderr.write(`[llmman] routing ${p.model} to provider ${p.provider} (${info.baseUrl}, ${info.wire} wire)\n`);
  r.d.requestLog.write({ event: "provider", provider: p.provider, model: p.model, base_url: info.baseUrl, key_source: source, key });
  const plan = planChat(body, { answer: r.d.settings.emu.answer, servedBy: `${p.provider} (hosted, emulated by llmman)`, thinking: false, tools: true }, `${p.provider}/${p.model}`);
  const meta = newMeta(p.model, `fp_${p.provider}`);
  if (body.stream !== true) {
    const answer = chatResponse(plan, meta);
    json(r.res, 200, answer);
    logResponse(r, 200, "application/json", JSON.stringify(answer), { provider: p.provider });
    return;
  }
  r.res.writeHead(200, { "content-type": "text/event-stream" });
  const payloads = [...chatChunks(plan, meta).map((c) => JSON.stringify(c)), "[DONE]"];
  for (const payload of payloads) r.res.write(`data: ${payload}\n\n`);
  r.res.end();
  logResponse(r, 200, "text/event-stream", payloads.map((p) => `data: ${p}\n\n`).join(""), { provider: p.provider });
}
