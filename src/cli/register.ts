// Registers `openclaw inferrs status [--json]`.
import type { OpenClawPluginApi } from "../host-types.ts";
import { configLoader } from "../provider.ts";
import { stateDir } from "../service/pid-record.ts";
import { collectStatus, formatStatus } from "./status.ts";

export function registerStatusCli(api: OpenClawPluginApi): void {
  const loadConfig = configLoader(api.pluginConfig);
  api.registerCli(
    ({ program, config }) => {
      const inferrs = program.command("inferrs").description("inferrs local model server");
      inferrs
        .command("status")
        .description("Show the inferrs command, server health, served model and who started it")
        .option("--json", "print JSON")
        .action(async (options: { json?: boolean }) => {
          const report = await collectStatus(await loadConfig(config), process.env, stateDir());
          // With --json the host routes console.log to stderr: write the document to stdout.
          process.stdout.write(`${options.json ? JSON.stringify(report, null, 2) : formatStatus(report)}\n`);
        });
    },
    { descriptors: [{ name: "inferrs", description: "inferrs local model server", hasSubcommands: true }] },
  );
}
