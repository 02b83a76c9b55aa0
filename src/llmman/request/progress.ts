// What a request waiting on llmman reports, every STATUS_INTERVAL_MS: through the plugin logger and,
// in a gateway, as `inferrs.status` agent events of the run that waits.
import { LLMMAN_PROVIDER_ID } from "../defaults.ts";

export type LlmmanStatus = {
  provider: typeof LLMMAN_PROVIDER_ID;
  phase: "daemon" | "pull" | "load" | "ready";
  model: string;
  message: string;
  elapsedMs: number;
  percent?: number | null;
  completedBytes?: number;
  totalBytes?: number;
  bytesPerSecond?: number;
};

export type StatusSink = (status: LlmmanStatus) => void;

/** "12 s", "1.5 s" */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/** "532.5 MB" */
export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
