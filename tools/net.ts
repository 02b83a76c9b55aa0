// Loopback helpers shared by tests, `npm start` and the bench.
/** A port that was free a moment ago (bind to 0, read it, close). */
export { freePort } from "../src/service/free-port.ts";
