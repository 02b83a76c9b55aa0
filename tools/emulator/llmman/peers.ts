// LLMMAN_PEERS (v0.1.334, §12): /v1/models, /api/ps and /api/tags aggregate the group, and a
// request for a model not loaded here goes to the best node (`/llmman/node` placement), forwarded
// once with `x-llmman-hop: 1`.
import type { Json, Req } from "./daemon.ts";

export const HOP_HEADER = "x-llmman-hop";
const NODE_TIMEOUT_MS = 3000;

interface NodeInfo {
  memory: number;
  loaded: Record<string, number>;
  stored: Record<string, number>;
}

/** `[scheme://]host[:port]` → a base URL (port 17434 by default). */
export function peerUrl(peer: string): string {
  const withScheme = /^[a-z]+:\/\//.test(peer) ? peer : `http://${peer}`;
  const url = new URL(withScheme);
  if (!url.port) url.port = "17434";
  return url.origin;
}

export class Peers {
  readonly urls: string[];

  constructor(peers: string[]) {
    this.urls = peers.map(peerUrl);
  }

  /** Aggregation applies to requests that have not hopped already. */
  private active(r: Req): boolean {
    return this.urls.length > 0 && r.req.headers[HOP_HEADER] === undefined;
  }

  private async get(url: string, path: string): Promise<Json | undefined> {
    try {
      const res = await fetch(`${url}${path}`, { headers: { [HOP_HEADER]: "1" }, signal: AbortSignal.timeout(NODE_TIMEOUT_MS) });
      return res.ok ? ((await res.json()) as Json) : undefined;
    } catch {
      return undefined;
    }
  }

  private async each<T>(r: Req, path: string, pick: (body: Json, url: string) => T[]): Promise<T[]> {
    if (!this.active(r)) return [];
    const bodies = await Promise.all(this.urls.map(async (u) => [u, await this.get(u, path)] as const));
    return bodies.flatMap(([u, b]) => (b ? pick(b, u) : []));
  }

  /** Peers' `/v1/models` entries, to merge into ours (a peer's `loaded` wins). */
  models(r: Req): Promise<Json[]> {
    return this.each(r, "/v1/models", (b) => (Array.isArray(b.data) ? b.data : []));
  }

  /** Peers' `/api/ps` entries, each with `node`. */
  ps(r: Req): Promise<Json[]> {
    return this.each(r, "/api/ps", (b, u) => (Array.isArray(b.models) ? b.models.map((m: Json) => ({ ...m, node: new URL(u).host })) : []));
  }

  tags(r: Req): Promise<Json[]> {
    return this.each(r, "/api/tags", (b) => (Array.isArray(b.models) ? b.models : []));
  }

  /** Where `ref` should run: a peer's base URL, or undefined for this daemon (ties go to itself). */
  async place(r: Req, ref: string, self: NodeInfo): Promise<string | undefined> {
    if (!this.active(r)) return undefined;
    const infos = await Promise.all(this.urls.map(async (u) => ({ url: u as string | undefined, info: (await this.get(u, "/llmman/node")) as NodeInfo | undefined })));
    const nodes = [{ url: undefined as string | undefined, info: self as NodeInfo | undefined }, ...infos].filter((n): n is { url: string | undefined; info: NodeInfo } => n.info !== undefined);
    const room = (n: NodeInfo) => n.memory - Object.values(n.loaded ?? {}).reduce((a, b) => a + b, 0);
    const loaded = nodes.find((n) => n.info.loaded?.[ref] !== undefined);
    if (loaded) return loaded.url;
    const fits = nodes.find((n) => n.info.stored?.[ref] !== undefined && n.info.stored[ref] <= room(n.info));
    if (fits) return fits.url;
    let best = nodes[0];
    for (const n of nodes) if (room(n.info) > room(best.info)) best = n;
    return best?.url;
  }
}

/** The merged `/v1/models` data: ours first, a peer's `loaded` status wins for a shared id. */
export function mergeModels(local: Json[], remote: Json[]): Json[] {
  const byId = new Map(local.map((m) => [m.id, m]));
  for (const m of remote) {
    const mine = byId.get(m.id);
    if (!mine) byId.set(m.id, m);
    else if (m.status?.value === "loaded") byId.set(m.id, { ...mine, status: { value: "loaded" } });
  }
  return [...byId.values()];
}
