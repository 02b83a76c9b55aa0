// What the daemon supervisor reads of `plugins.entries.inferrs.config.llmman`, and where the daemon
// answers: host, port and origin derived from baseUrl.
import { CONFIG_PATH } from "../../config/config-error.ts";
import { isLoopbackHost } from "../../config/loopback.ts";

export const LLMMAN_CONFIG_PATH = `${CONFIG_PATH}.llmman`;

export type DaemonConfig = {
  /** e.g. http://127.0.0.1:17434/v1 */
  baseUrl: string;
  apiKey: string | undefined;
  service: {
    /** undefined = start it when baseUrl is loopback and the command resolves. */
    autoStart: boolean | undefined;
    command: string;
    args: string[];
    env: Record<string, string>;
    readyTimeoutMs: number;
    /** 0 = until OpenClaw exits. */
    idleStopMs: number;
  };
};

export type DaemonAddress = {
  /** baseUrl without a trailing slash: the key of one daemon. */
  baseUrl: string;
  origin: string;
  host: string;
  port: number;
  loopback: boolean;
  /** LLMMAN_HOST for a daemon we start there. */
  bind: string;
};

export function daemonAddress(baseUrl: string): DaemonAddress {
  const url = new URL(baseUrl);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  return {
    baseUrl: url.href.replace(/\/+$/, ""),
    origin: url.origin,
    host,
    port,
    loopback: isLoopbackHost(host),
    bind: `${host.includes(":") ? `[${host}]` : host}:${port}`,
  };
}
