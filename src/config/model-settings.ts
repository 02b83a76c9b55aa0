// The settings one model's server runs with: `service.*`, overridden by `models.<id>.*`.
import type { ResolvedConfig } from "./resolve.ts";

export type ModelSettings = {
  /** Extra `inferrs serve` flags: service.args, with the model's own args replacing the same flags. */
  args: string[];
  env: Record<string, string>;
  idleStopMs: number;
};

export function modelSettings(config: ResolvedConfig, model: string): ModelSettings {
  const own = config.models[model];
  return {
    args: mergeFlags(config.service.args, own?.args ?? []),
    env: { ...config.service.env, ...own?.env },
    idleStopMs: own?.idleStopMs ?? config.service.idleStopMs,
  };
}

/**
 * `base` then `override`, minus the flags of `base` that `override` sets again: inferrs' clap
 * refuses a flag given twice. A flag's value is the next word unless it is `--flag=value` or the
 * next word is a flag itself.
 */
export function mergeFlags(base: readonly string[], override: readonly string[]): string[] {
  const overridden = new Set(override.filter((arg) => arg.startsWith("--")).map(flagName));
  const kept: string[] = [];
  for (let i = 0; i < base.length; i++) {
    const arg = base[i]!;
    if (!arg.startsWith("--") || !overridden.has(flagName(arg))) {
      kept.push(arg);
      continue;
    }
    const next = base[i + 1];
    if (!arg.includes("=") && next !== undefined && !next.startsWith("-")) i++; // skip its value too
  }
  return [...kept, ...override];
}

function flagName(arg: string): string {
  const eq = arg.indexOf("=");
  return eq === -1 ? arg : arg.slice(0, eq);
}
