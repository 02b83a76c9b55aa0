// Starting one server of the pool: what listens on baseUrl's port before we start there, then the
// spawn of `inferrs serve` and the wait for /health 200, with load progress.
import type { ResolvedConfig } from "../../config/resolve.ts";
import { configSecrets } from "../../secrets.ts";
import { lookUpCommand } from "../../service/command.ts";
import { recordPath, startedBy } from "../../service/pid-record.ts";
import { serverAddress } from "../../service/server-address.ts";
import { describeExit, ServerProcess } from "../../service/server-process.ts";
import * as errors from "../server/errors.ts";
import { watchLoad, type LoadProgress } from "../server/load-progress.ts";
import { probeServer, sameModel } from "../server/probe.ts";
import { NotReadyError, waitForHealth } from "../server/readiness.ts";
import { serveArgv } from "../server/serve-argv.ts";
import type { Slot } from "./slot.ts";

export type LaunchHooks = {
  env: NodeJS.ProcessEnv;
  stateDir: string;
  /** The process exists: called synchronously after the spawn, before anything is awaited. */
  spawned(slot: Slot): void;
  progress(slot: Slot, progress: LoadProgress): void;
  /** The process has exited, whenever that is. */
  exited(slot: Slot): void;
};

/**
 * What listens on baseUrl's port before we start there: nothing ("free"), the user's server
 * serving the model ("foreign": used as it is), or the user's server serving another model
 * ("taken": with a pool, ours goes on another port). Anything else is an error naming the fix.
 */
export async function checkBasePort(model: string, config: ResolvedConfig, stateDir: string): Promise<"free" | "foreign" | "taken"> {
  let state = await probeServer(config);
  if (state.kind === "loading") {
    try {
      await waitForHealth(config.origin, config.service.readyTimeoutMs);
    } catch (error) {
      if (error instanceof NotReadyError) throw errors.foreignNotReady(config);
      throw error;
    }
    state = await probeServer(config);
  }
  switch (state.kind) {
    case "down":
      return "free";
    case "ready":
      if (state.served === undefined || sameModel(state.served, model)) return "foreign";
      if (config.service.maxServers > 1) return "taken";
      throw errors.foreignModel(config, state.served, model, startedBy(recordPath(stateDir, config.port)));
    case "failed":
      throw errors.foreignFailed(config, startedBy(recordPath(stateDir, config.port)));
    case "foreign-http":
      throw errors.notInferrs(config, state.status);
    case "loading":
      throw errors.foreignNotReady(config);
  }
}

/** Spawns `inferrs serve` for the slot and waits for /health 200, reporting progress. */
export async function startServer(slot: Slot, hooks: LaunchHooks): Promise<void> {
  const { config, model } = slot;
  const lookup = lookUpCommand(config.service.command, hooks.env);
  const why = errors.whyNoAutoStart(config, lookup);
  const command = lookup.path;
  if (why || command === undefined) throw errors.notRunning(config, model, "connection refused", why ?? "");
  if (slot.state === "stopping") throw cancelledStart(model);

  const args = serveArgv(model, config, { port: slot.port, args: slot.settings.args });
  const env = { ...hooks.env, ...slot.settings.env } as Record<string, string>;
  const proc = await ServerProcess.spawn(command, args, env, configSecrets(config));
  Object.assign(slot, { proc, command, args, recordFile: recordPath(hooks.stateDir, slot.port) });
  hooks.spawned(slot);

  const abort = new AbortController();
  void proc.exited.then((exit) => {
    abort.abort(errors.exitedDuringStart(config, model, describeExit(exit), proc.output.text()));
    hooks.exited(slot);
  });
  const endProgress = watchLoad({ model, port: slot.port, output: proc.output }, (progress) => hooks.progress(slot, progress));
  try {
    const health = await waitForHealth(serverAddress(config, slot.port).origin, config.service.readyTimeoutMs, abort.signal);
    if (health === "failed") throw errors.loadFailed(model, loadFailure(proc), proc.output.text());
    endProgress("ready");
  } catch (error) {
    endProgress();
    if (error instanceof NotReadyError) throw errors.readyTimeout(config, model, proc.output.text());
    throw error;
  } finally {
    abort.abort();
  }
}

export function cancelledStart(model: string): errors.InferrsServiceError {
  return new errors.InferrsServiceError(`The start of ${model} was cancelled: OpenClaw is stopping its inferrs servers.`);
}

/** How the server ended, if it exits within waitMs. */
export async function exitWithin(proc: ServerProcess | undefined, waitMs: number): Promise<string | undefined> {
  if (!proc) return undefined;
  let timer: NodeJS.Timeout | undefined;
  const exit = await Promise.race([
    proc.exited,
    new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), waitMs))),
  ]);
  clearTimeout(timer);
  return exit && describeExit(exit);
}

function loadFailure(proc: ServerProcess): string {
  const match = proc.output.find(/Model load failed: .*/);
  return match ? match[0] : "Model load failed (see the output below)";
}
