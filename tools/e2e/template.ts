// One OpenClaw host with the packed plugin installed, made once (jest's global setup) and copied
// by every e2e host: `plugins install` costs a CLI start and an npm install, a copy a few ms. It
// is kept in .tmp/ and rebuilt only when the tarball or the pinned OpenClaw changes.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openclawVersion, projectDir } from "../../scripts/host.ts";
import { OpenClawHost, pluginTarball } from "../openclaw-host.ts";

export const templateDir = join(projectDir, ".tmp", "e2e-host");
const keyFile = join(templateDir, "key");

function templateKey(): string {
  return `${createHash("sha256").update(readFileSync(pluginTarball)).digest("hex")} openclaw@${openclawVersion}\n`;
}

/** Installs the plugin into templateDir unless the template there has this tarball already. */
export async function prepareHostTemplate(): Promise<void> {
  const key = templateKey();
  if (existsSync(keyFile) && readFileSync(keyFile, "utf8") === key) return;
  rmSync(templateDir, { recursive: true, force: true });
  await OpenClawHost.installTemplate(templateDir);
  writeFileSync(keyFile, key); // last: a half-made template is made again
}

/** The template, when it matches the packed plugin (else hosts install the plugin themselves). */
export function hostTemplate(): string | undefined {
  return existsSync(keyFile) && readFileSync(keyFile, "utf8") === templateKey() ? templateDir : undefined;
}
