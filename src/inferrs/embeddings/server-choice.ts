// Where memory search's embeddings go. When OpenClaw may start inferrs, a server of its own
// (through the supervisor); else the server the user runs at baseUrl, checked first: nothing is
// started, no port is picked on a host that is not this machine, and a server that cannot embed
// with the model is refused with the reason.
import { printable } from "../../cli/printable.ts";
import { CONFIG_PATH } from "../../config/config-error.ts";
import type { ResolvedConfig } from "../../config/resolve.ts";
import { lookUpCommand } from "../../service/command.ts";
import { whyNoAutoStart } from "../server/errors.ts";
import { probeServer, sameModel } from "../server/probe.ts";
import { NotReadyError, waitForHealth } from "../server/readiness.ts";
import { EmbeddingsError, type EmbeddingsHttpError } from "../../embeddings/client.ts";

/** Decided before any port is picked or any request is sent. */
export type EmbeddingServerPlan = { start: true } | { start: false; why: string };

export function embeddingServerPlan(config: ResolvedConfig, env: NodeJS.ProcessEnv): EmbeddingServerPlan {
  const why = whyNoAutoStart(config, lookUpCommand(config.service.command, env));
  return why ? { start: false, why } : { start: true };
}

function serveHint(config: ResolvedConfig, model: string): string {
  return `inferrs serve ${model} --host ${config.host} --port ${config.port}`;
}

/** Resolves when the user's server at baseUrl can embed with `model`; else an EmbeddingsError. */
export async function checkUserServer(config: ResolvedConfig, model: string, why: string, signal?: AbortSignal): Promise<void> {
  let state = await probeServer(config);
  if (state.kind === "loading") {
    try {
      await waitForHealth(config.origin, config.service.readyTimeoutMs, signal);
    } catch (error) {
      if (!(error instanceof NotReadyError)) throw error;
      throw new EmbeddingsError(
        `inferrs at ${config.origin} was still loading after ${config.service.readyTimeoutMs} ms (/health 503); ` +
          `wait for it, or raise ${CONFIG_PATH}.service.readyTimeoutMs.`,
      );
    }
    state = await probeServer(config);
  }
  switch (state.kind) {
    case "down":
    case "loading":
      throw new EmbeddingsError(
        `memory search needs an inferrs server for ${model}, but none answers at ${config.origin} ` +
          `(${state.kind === "down" ? state.reason : "still loading"}), and OpenClaw will not start one: ${why}. ` +
          `Start it yourself with \`${serveHint(config, model)}\`.`,
      );
    case "failed":
      throw new EmbeddingsError(
        `inferrs at ${config.origin} reports a failed model load (/health 500): check its log for "Model load failed", then restart it.`,
      );
    case "foreign-http":
      throw new EmbeddingsError(
        `Something that is not inferrs answers on ${config.origin} (GET /health → HTTP ${state.status}); ` +
          `point ${CONFIG_PATH}.baseUrl at inferrs serving ${model}.`,
      );
    case "ready":
      if (state.served === undefined || sameModel(state.served, model)) return;
      throw new EmbeddingsError(
        `inferrs at ${config.origin} serves ${printable(state.served)}, not ${model}: inferrs embeds with the model it has loaded, ` +
          `so memory search needs a server of its own for ${model}. Run it there (\`${serveHint(config, model)}\`), ` +
          `let OpenClaw start it (a loopback baseUrl and service.autoStart not false), ` +
          `or set memory.search.model to ${printable(state.served)} if that is an embedding model.`,
      );
  }
}

/**
 * inferrs in daemon mode (`inferrs serve` without a model) cannot embed: 503 "no model loaded"
 * while nothing is loaded, 500 "unexpected proxy backend in worker context" once a worker is.
 */
export function daemonRefusal(error: EmbeddingsHttpError, baseUrl: string, model: string): EmbeddingsError | undefined {
  const daemon =
    (error.status === 503 && /no model loaded/i.test(error.detail)) ||
    (error.status === 500 && /unexpected proxy backend/i.test(error.detail));
  if (!daemon) return undefined;
  const { origin } = new URL(baseUrl);
  return new EmbeddingsError(
    `inferrs at ${origin} runs as a daemon (\`inferrs serve\` without a model), which cannot embed ` +
      `(HTTP ${error.status}: ${error.detail}). Memory search needs a worker server of its own: run ` +
      `\`inferrs serve ${model} --host 127.0.0.1 --port <port>\` and point ${CONFIG_PATH}.baseUrl at it, ` +
      `or let OpenClaw start one (a loopback baseUrl and service.autoStart not false).`,
  );
}
