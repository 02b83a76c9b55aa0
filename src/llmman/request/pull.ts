// A model /v1/models does not list is pulled before the chat request, with progress: llmman's own
// pull of a chat request is silent and has no timeout (§1.4, §8). POST /api/pull streams NDJSON
// lines every ~200 ms (always HTTP 200; a failure comes in-band as `{"error": …}`).
import { bearerHeaders } from "../../http.ts";
import { serverText } from "../../cli/printable.ts";
import { errorText, networkReason, parseJson } from "../api.ts";
import { MAX_ERROR_BODY_BYTES, STATUS_INTERVAL_MS } from "../defaults.ts";
import { megabytes, seconds, type StatusSink } from "./progress.ts";

export class PullError extends Error {
  override name = "LlmmanPullError";
}

/** A pull stops when no line came for this long (llmman sends one every ~200 ms). */
const STALL_MS = 120_000;

type PullTarget = { origin: string; apiKey: string; signal: AbortSignal };

export async function pullModel(target: PullTarget, ref: string, sink: StatusSink): Promise<void> {
  const { request } = await import("../../undici-request.ts");
  const started = Date.now();
  const fix = `pull it yourself with \`llmman pull ${ref}\` to see llmman's own output`;
  let state = { status: "pulling manifest", completed: 0, total: 0 };
  let last = { at: started, completed: 0 };
  const report = () => {
    const now = Date.now();
    const rate = now > last.at ? ((state.completed - last.completed) * 1000) / (now - last.at) : 0;
    last = { at: now, completed: state.completed };
    const percent = state.total > 0 ? Math.floor((state.completed * 100) / state.total) : null;
    const figures =
      percent === null
        ? `${serverText(state.status, 80)}…`
        : `${percent}% (${megabytes(state.completed)} of ${megabytes(state.total)}, ${megabytes(rate)}/s)`;
    sink({
      provider: "llmman",
      phase: "pull",
      model: ref,
      message: `llmman: pulling ${ref}: ${figures} ${seconds(now - started)}`,
      elapsedMs: now - started,
      percent,
      completedBytes: state.completed,
      totalBytes: state.total,
      bytesPerSecond: Math.round(rate),
    });
  };
  report();
  const timer = setInterval(report, STATUS_INTERVAL_MS);
  timer.unref();
  try {
    let response;
    try {
      response = await request(`${target.origin}/api/pull`, {
        method: "POST",
        headers: { ...bearerHeaders(target.apiKey), "content-type": "application/json" },
        body: JSON.stringify({ model: ref }),
        signal: target.signal,
        bodyTimeout: STALL_MS,
      });
    } catch (error) {
      throw new PullError(`could not pull ${ref}: cannot reach llmman at ${target.origin} (${networkReason(error)}); ${fix}.`);
    }
    let buffered = "";
    let outcome: "success" | string | undefined;
    const take = (line: string) => {
      const json = parseJson(line) as Record<string, unknown> | undefined;
      if (!json || typeof json !== "object") return; // llmman's own CLI skips non-JSON lines too
      const failure = errorText(json);
      if (failure) outcome = failure;
      else if (json.status === "success") outcome = "success";
      else if (typeof json.status === "string") {
        const total = typeof json.total === "number" && json.total > 0 ? json.total : state.total;
        const completed = typeof json.completed === "number" && json.completed >= 0 ? Math.min(json.completed, total) : state.completed;
        state = { status: json.status, completed, total };
      }
    };
    try {
      for await (const chunk of response.body) {
        buffered += chunk.toString("utf8");
        const lines = buffered.split("\n");
        buffered = lines.pop()!;
        if (buffered.length > MAX_ERROR_BODY_BYTES) throw new PullError(`could not pull ${ref}: llmman sent a progress line over ${MAX_ERROR_BODY_BYTES} bytes`);
        for (const line of lines) if (line.trim() && outcome === undefined) take(line);
        if (outcome !== undefined) break;
      }
      if (outcome === undefined && buffered.trim()) take(buffered);
    } catch (error) {
      if (error instanceof PullError) throw error;
      if (target.signal.aborted) throw new PullError(`pulling ${ref} did not finish within the request timeout (${seconds(Date.now() - started)} so far); ${fix}.`);
      throw new PullError(`pulling ${ref} broke off (${networkReason(error)}); ${fix}.`);
    } finally {
      response.body.destroy();
    }
    if (response.statusCode !== 200) throw new PullError(`could not pull ${ref}: POST /api/pull answered HTTP ${response.statusCode}; ${fix}.`);
    if (outcome === undefined) throw new PullError(`could not pull ${ref}: the pull stream ended without a success status; ${fix}.`);
    if (outcome !== "success") throw new PullError(`llmman could not pull ${ref}: ${outcome}. Check the name (\`llmman pull ${ref}\` shows the same error).`);
    sink({ provider: "llmman", phase: "pull", model: ref, message: `llmman: pulled ${ref} in ${seconds(Date.now() - started)}`, elapsedMs: Date.now() - started, percent: 100 });
  } finally {
    clearInterval(timer);
  }
}
