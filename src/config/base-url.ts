// A backend's base URL: refused with one message per reason (never quoting credentials or a query), and the
// address parts the rest of the plugin needs.
import { ConfigError } from "./config-error.ts";
import { printableUrl } from "./printable-url.ts";
import { BASE_URL_PATTERN } from "./schema.ts";

/** Where a backend answers, derived from its base URL. */
export type ServerAddress = {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:8080/v1 */
  baseUrl: string;
  /** Server root, e.g. http://127.0.0.1:8080 */
  origin: string;
  host: string;
  port: number;
  loopback: boolean;
};

export type BaseUrlKeys = {
  /** Config path of the base URL, e.g. plugins.entries.inferrs.config.llmman.baseUrl */
  baseUrlKey: string;
  /** Config path of the API key, named when the URL carries credentials. */
  apiKeyKey: string;
  server: string;
  example: string;
};

const BASE_URL = new RegExp(BASE_URL_PATTERN);

export function serverAddressOf(value: string, keys: BaseUrlKeys): ServerAddress {
  const url = parseBaseUrl(value, keys);
  return {
    baseUrl: url.href.replace(/\/+$/, ""),
    origin: url.origin,
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port: Number(url.port || (url.protocol === "https:" ? 443 : 80)),
    loopback: isLoopbackHost(url.hostname),
  };
}

/** Refuses what the schema's pattern refuses, one message per reason, and never quotes credentials or a query. */
export function parseBaseUrl(value: string, keys: BaseUrlKeys): URL {
  const shown = JSON.stringify(printableUrl(value));
  const example = `e.g. ${keys.example}`;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (url && url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(`${keys.baseUrlKey} is ${shown}: only http:// and https:// are allowed, ${example}.`);
  }
  if (url && (url.username || url.password || /^[^/]*\/\/[^/?#]*@/.test(value))) {
    throw new ConfigError(
      `${keys.baseUrlKey} is ${shown}: remove the user name and password from it (${keys.server} has no auth; ` +
        `set ${keys.apiKeyKey} if a proxy in front of it needs a bearer token).`,
    );
  }
  if (url && (url.search || url.hash || /[?#]/.test(value))) {
    throw new ConfigError(`${keys.baseUrlKey} is ${shown}: remove the query or fragment.`);
  }
  if (url && url.port === "0") {
    throw new ConfigError(`${keys.baseUrlKey} is ${shown}: port 0 is no server's port; name the port ${keys.server} listens on, ${example}.`);
  }
  if (!url || !BASE_URL.test(value)) {
    throw new ConfigError(
      `${keys.baseUrlKey} is ${shown}, which is not a base URL: expected http:// or https:// in lower case, a host, a port and a path without spaces, ${example}.`,
    );
  }
  return url;
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Starting a server needs it on this machine. */
export function refuseRemoteAutoStart(autoStart: boolean | undefined, address: ServerAddress, keys: BaseUrlKeys, servicePath: string): void {
  if (autoStart !== true || address.loopback) return;
  throw new ConfigError(
    `${servicePath}.autoStart is true but baseUrl ${address.baseUrl} is not a loopback address: ` +
      `OpenClaw can only start ${keys.server} on this machine. Set baseUrl to http://127.0.0.1:<port>/v1 or set service.autoStart to false.`,
  );
}
