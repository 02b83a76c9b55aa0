// Errors of the on-demand server, each saying what happened and how to fix it.
import { printable, printableLines } from "../../cli/printable.ts";
import { CONFIG_PATH } from "../../config/config-error.ts";
import type { ResolvedConfig } from "../../config/resolve.ts";
import { commandProblem, type CommandLookup } from "../../service/command.ts";
import type { StartedBy } from "../../service/pid-record.ts";

export class InferrsServiceError extends Error {
  override name = "InferrsServiceError";
}

function serveHint(config: ResolvedConfig, model: string): string {
  return `inferrs serve ${model} --host ${config.host} --port ${config.port}`;
}

export function notRunning(config: ResolvedConfig, model: string, reason: string, why: string): InferrsServiceError {
  return new InferrsServiceError(
    `inferrs is not running at ${config.origin} (${reason}) and OpenClaw will not start it: ${why}. ` +
      `Start it yourself with \`${serveHint(config, model)}\`, or fix the reason above.`,
  );
}

export function whyNoAutoStart(config: ResolvedConfig, command: CommandLookup): string | undefined {
  if (config.service.autoStart === false) return `${CONFIG_PATH}.service.autoStart is false`;
  if (!config.loopback) return `baseUrl ${config.baseUrl} is not a loopback address`;
  if ("problem" in command) {
    return commandProblem(config.service.command, command.problem, { key: `${CONFIG_PATH}.service.command`, product: "inferrs" });
  }
  return undefined;
}

/** Who runs a server that this OpenClaw process did not start, and so will not stop. */
function notOurs(owner: { startedBy: StartedBy; ownerPid?: number }): string {
  switch (owner.startedBy) {
    case "other-openclaw":
      return `that server was started by another OpenClaw process (pid ${owner.ownerPid}), which stops it when it exits or goes idle; this process will not stop it`;
    case "orphan":
      return `that server was left behind by an OpenClaw process that is gone (pid ${owner.ownerPid}); the next start on this port stops it`;
    default:
      return "that server was not started by OpenClaw (you run it), so OpenClaw will not stop it";
  }
}

export function foreignModel(
  config: ResolvedConfig,
  listed: string,
  selected: string,
  owner: { startedBy: StartedBy; ownerPid?: number },
): InferrsServiceError {
  const served = printable(listed);
  return new InferrsServiceError(
    `inferrs at ${config.origin} serves ${served}, but inferrs/${selected} was selected, and ${notOurs(owner)}. ` +
      `Select inferrs/${served}, or stop that server (OpenClaw then starts ${selected} itself), ` +
      `or run it with \`${serveHint(config, selected)}\`.`,
  );
}

export function foreignFailed(config: ResolvedConfig, owner: { startedBy: StartedBy; ownerPid?: number }): InferrsServiceError {
  return new InferrsServiceError(
    `inferrs at ${config.origin} reports a failed model load (/health 500), and ${notOurs(owner)}. ` +
      `Check its log for "Model load failed", then restart it.`,
  );
}

export function notInferrs(config: ResolvedConfig, status: number): InferrsServiceError {
  return new InferrsServiceError(
    `Something that is not inferrs answers on ${config.origin} (GET /health → HTTP ${status}). ` +
      `Stop it, or point ${CONFIG_PATH}.baseUrl at a free port.`,
  );
}

export function loadFailed(model: string, detail: string, tail: string): InferrsServiceError {
  return new InferrsServiceError(`inferrs could not load ${model}: ${printableLines(detail)}${tailText(tail)}`);
}

export function exitedDuringStart(config: ResolvedConfig, model: string, exit: string, tail: string): InferrsServiceError {
  const portTaken = /address already in use/i.test(tail)
    ? ` Port ${config.port} is taken: stop what listens there, or change the port in ${CONFIG_PATH}.baseUrl.`
    : "";
  const usage = /unexpected argument|usage:/i.test(tail) ? ` Check ${CONFIG_PATH}.service.args.` : "";
  return new InferrsServiceError(`inferrs exited while starting ${model} (${exit}).${portTaken}${usage}${tailText(tail)}`);
}

export function readyTimeout(config: ResolvedConfig, model: string, tail: string): InferrsServiceError {
  return new InferrsServiceError(
    `inferrs did not become ready within ${config.service.readyTimeoutMs} ms while loading ${model}, so OpenClaw ` +
      `stopped it. A first start downloads and quantizes the model; raise ${CONFIG_PATH}.service.readyTimeoutMs ` +
      `or run \`inferrs pull ${model}\` first.${tailText(tail)}`,
  );
}

export function foreignNotReady(config: ResolvedConfig): InferrsServiceError {
  return new InferrsServiceError(
    `inferrs at ${config.origin} was still loading after ${config.service.readyTimeoutMs} ms (/health 503). ` +
      `Wait for it, or raise ${CONFIG_PATH}.service.readyTimeoutMs.`,
  );
}

function tailText(tail: string): string {
  return tail ? `\nLast output of inferrs:\n${tail}` : "";
}
