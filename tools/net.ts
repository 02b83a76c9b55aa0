// Loopback helpers shared by tests, `npm start` and the bench.
import { freePort as anyFreePort } from "../src/service/free-port.ts";

/**
 * A port that was free a moment ago (bind to 0, read it, close). An e2e file keeps its ports for
 * minutes while nothing listens on them yet, so under jest's workers each worker takes only ports
 * of its own share: a file running at the same time in the other worker is never handed one of
 * them. (Linux gives bind(0) odd ports only, so the share is taken of port / 2.)
 */
export async function freePort(): Promise<number> {
  const worker = Number(process.env.JEST_WORKER_ID);
  const workers = Number(process.env.E2E_JEST_WORKERS); // set by the global setup
  if (!Number.isInteger(worker) || worker < 1 || !(workers > 1)) return anyFreePort();
  for (let attempt = 0; attempt < 1000; attempt++) {
    const port = await anyFreePort();
    if (Math.floor(port / 2) % workers === worker % workers) return port;
  }
  throw new Error(`no free loopback port for jest worker ${worker} in 1000 tries`);
}
