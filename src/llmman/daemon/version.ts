// `GET /api/version`: llmman's readiness probe and identity (../shared/llmman-api.md §3; no /health
// exists). `{"exe":<path|null>,"pid":<n>,"version":"…"}` in 485d055 and v0.1.334 alike.
import { networkReason, readCapped } from "../../http.ts";
import { pollUntilReady } from "../../service/poll.ts";
import type { DaemonAddress } from "./config.ts";

export type VersionAnswer =
  | { kind: "up"; pid: number | undefined; exe: string | undefined; version: string | undefined }
  | { kind: "down"; reason: string }
  /** Something answers on that port, but not as llmman does. */
  | { kind: "not-llmman"; status: number };

const PROBE_TIMEOUT_MS = 1000;
const MAX_VERSION_BYTES = 16 * 1024;

export async function probeVersion(origin: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<VersionAnswer> {
  // Loaded on first use, not at plugin import.
  const { request } = await import("../../undici-request.ts");
  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(`${origin}/api/version`, {
      signal: AbortSignal.timeout(timeoutMs),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  } catch (error) {
    return { kind: "down", reason: networkReason(error) };
  }
  const status = response.statusCode;
  if (status !== 200) {
    await response.body.dump().catch(() => undefined);
    return { kind: "not-llmman", status };
  }
  let body: { pid?: unknown; exe?: unknown; version?: unknown } | null;
  try {
    body = JSON.parse(await readCapped(response.body, MAX_VERSION_BYTES, () => new Error("oversized body")));
  } catch {
    return { kind: "not-llmman", status };
  }
  if (typeof body !== "object" || body === null) return { kind: "not-llmman", status };
  return {
    kind: "up",
    pid: Number.isSafeInteger(body.pid) && (body.pid as number) > 0 ? (body.pid as number) : undefined,
    exe: typeof body.exe === "string" ? body.exe : undefined,
    version: typeof body.version === "string" ? body.version.slice(0, 200) : undefined,
  };
}

/** Polls /api/version until llmman answers as itself (NotReadyError after timeoutMs). */
export function waitForVersion(
  address: DaemonAddress,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Extract<VersionAnswer, { kind: "up" }>> {
  return pollUntilReady(
    async () => {
      const answer = await probeVersion(address.origin, Math.min(1000, timeoutMs));
      return answer.kind === "up" ? answer : undefined;
    },
    { timeoutMs, signal, notReady: `llmman at ${address.origin} does not answer yet` },
  );
}
