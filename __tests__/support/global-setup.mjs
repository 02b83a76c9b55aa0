// Packs the built plugin once for all end-to-end tests (`npm test` builds first). Plain ESM:
// jest loads global setup natively, and Node 24 runs the TypeScript tool directly.
import { packPlugin } from "../../tools/openclaw-host.ts";

export default function globalSetup() {
  packPlugin();
}
