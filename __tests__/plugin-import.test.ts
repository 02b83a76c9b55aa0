// OpenClaw imports the plugin in every command: importing the built entry must evaluate none of
// the plugin's libraries; each is loaded where it is first needed. Runs against dist/ (npm run build).
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { bundledPackagesIn, librariesEvaluatedBy } from "../tools/loaded-libraries.ts";

const dist = join(import.meta.dirname, "..", "dist");
const entry = join(dist, "index.js");
const LIBRARIES = ["@sinclair/typebox", "execa", "p-retry", "undici"];

function distFiles(dir = dist): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((item) =>
    item.isDirectory() ? distFiles(join(dir, item.name)) : item.name.endsWith(".js") ? [join(dir, item.name)] : [],
  );
}

describe("importing the plugin", () => {
  test("the build ships TypeBox, undici, execa and p-retry (so the check below can see them)", () => {
    const shipped = new Set(distFiles().flatMap(bundledPackagesIn));
    for (const library of LIBRARIES) expect(shipped).toContain(library);
  });

  test("evaluates none of the libraries", () => {
    expect(librariesEvaluatedBy(entry).filter((name) => LIBRARIES.includes(name))).toEqual([]);
  });

  test("a lazily imported library chunk is seen when it is loaded", () => {
    const undiciChunk = distFiles().find((file) => bundledPackagesIn(file).includes("undici"))!;
    expect(librariesEvaluatedBy(undiciChunk)).toContain("undici");
  });
});
