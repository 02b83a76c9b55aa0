// Waits for `/health` to turn 200 (or 500: failed load), through the shared readiness poll.
import { NotReadyError, pollUntilReady } from "../../service/poll.ts";
import { probeHealth } from "./probe.ts";

export { NotReadyError };

export function waitForHealth(origin: string, timeoutMs: number, signal?: AbortSignal): Promise<"ok" | "failed"> {
  return pollUntilReady(
    async () => {
      const health = await probeHealth(origin, Math.min(1000, timeoutMs));
      return health.kind === "ok" || health.kind === "failed" ? health.kind : undefined;
    },
    { timeoutMs, signal, notReady: `inferrs at ${origin} is not ready` },
  );
}
