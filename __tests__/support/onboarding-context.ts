// The host's context for a non-interactive onboarding run (`openclaw onboard --non-interactive
// --auth-choice <choice>`), with what the method logs, reports as errors and exits with recorded.
import type { OpenClawConfig, ProviderAuthMethodNonInteractiveContext } from "../../src/host-types.ts";

export function nonInteractive(authChoice: string, config: OpenClawConfig, opts: Record<string, unknown>) {
  const said = { log: [] as string[], error: [] as string[], exit: [] as number[] };
  const ctx = {
    authChoice,
    config,
    baseConfig: config,
    opts,
    runtime: {
      log: (message: string) => said.log.push(message),
      error: (message: string) => said.error.push(message),
      exit: (code: number) => said.exit.push(code),
    },
  } as unknown as ProviderAuthMethodNonInteractiveContext;
  return { ctx, said };
}
