// Errors of the on-demand llmman daemon, each saying what happened and how to fix it.
import type { StartedBy } from "../../service/pid-record.ts";
import { LLMMAN_CONFIG_PATH, type DaemonAddress } from "./config.ts";

export class LlmmanDaemonError extends Error {
  override name = "LlmmanDaemonError";
}

function serveHint(address: DaemonAddress): string {
  return `LLMMAN_HOST=${address.bind} llmman serve`;
}

export function notRunning(address: DaemonAddress, reason: string, why: string): LlmmanDaemonError {
  return new LlmmanDaemonError(
    `llmman is not running at ${address.origin} (${reason}) and OpenClaw will not start it: ${why}. ` +
      `Start it yourself with \`${serveHint(address)}\`, or fix the reason above.`,
  );
}

export function notLoopback(address: DaemonAddress): string {
  return `${LLMMAN_CONFIG_PATH}.baseUrl ${address.baseUrl} is not a loopback address, and OpenClaw only starts llmman on this machine (set it to http://127.0.0.1:<port>/v1, or start llmman on that host)`;
}

export function autoStartOff(): string {
  return `${LLMMAN_CONFIG_PATH}.service.autoStart is false`;
}

export function notLlmman(address: DaemonAddress, status: number): LlmmanDaemonError {
  return new LlmmanDaemonError(
    `Something that is not llmman answers on ${address.origin} (GET /api/version → HTTP ${status}). ` +
      `Stop it, or point ${LLMMAN_CONFIG_PATH}.baseUrl at a free port.`,
  );
}

export function exitedDuringStart(address: DaemonAddress, exit: string, tail: string): LlmmanDaemonError {
  const portTaken = /address already in use|bind .*:\d+/i.test(tail)
    ? ` Port ${address.port} is taken: stop what listens there, or change the port in ${LLMMAN_CONFIG_PATH}.baseUrl.`
    : "";
  const usage = /unexpected argument|usage:/i.test(tail) ? ` Check ${LLMMAN_CONFIG_PATH}.service.args.` : "";
  return new LlmmanDaemonError(`llmman serve exited while starting on ${address.bind} (${exit}).${portTaken}${usage}${tailText(tail)}`);
}

export function readyTimeout(address: DaemonAddress, timeoutMs: number, phase: string, tail: string): LlmmanDaemonError {
  const download =
    phase === "download"
      ? " It was still downloading llama-server: let `llmman serve --pull-bin` finish once, or put llama-server on PATH."
      : "";
  return new LlmmanDaemonError(
    `llmman serve did not answer GET ${address.origin}/api/version within ${timeoutMs} ms, so OpenClaw stopped it.` +
      `${download} Raise ${LLMMAN_CONFIG_PATH}.service.readyTimeoutMs if it needs longer.${tailText(tail)}`,
  );
}

export function othersStartTimeout(address: DaemonAddress, ownerPid: number | undefined, timeoutMs: number): LlmmanDaemonError {
  return new LlmmanDaemonError(
    `llmman on ${address.bind} was started by another OpenClaw process (pid ${ownerPid}) and did not answer ` +
      `GET ${address.origin}/api/version within ${timeoutMs} ms. That process stops it; raise ` +
      `${LLMMAN_CONFIG_PATH}.service.readyTimeoutMs if its first start downloads llama-server.`,
  );
}

export function cancelledStart(address: DaemonAddress): LlmmanDaemonError {
  return new LlmmanDaemonError(`The start of llmman on ${address.bind} was cancelled: OpenClaw is stopping the llmman daemon it started.`);
}

/** A daemon that answers, but whose pid is not the one we spawned (someone else bound the port first). */
export function raced(address: DaemonAddress, pid: number | undefined): string {
  return `another llmman (pid ${pid ?? "unknown"}) answers on ${address.origin}; it is used as it is`;
}

export function startedByText(owner: { startedBy: StartedBy; ownerPid?: number }): string {
  switch (owner.startedBy) {
    case "this-openclaw":
      return "started by this OpenClaw process";
    case "other-openclaw":
      return `started by another OpenClaw process (pid ${owner.ownerPid})`;
    case "orphan":
      return `left behind by an OpenClaw process that is gone (pid ${owner.ownerPid})`;
    case "user":
      return "not started by OpenClaw (you run it)";
  }
}

function tailText(tail: string): string {
  return tail ? `\nLast output of llmman:\n${tail}` : "";
}
