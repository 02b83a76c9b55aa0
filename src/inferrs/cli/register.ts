// Registers `openclaw inferrs status [--json]` and `openclaw inferrs stop [model]`.
import { terminalJson } from "../../cli/printable.ts";
import type { OpenClawPluginApi } from "../../host-types.ts";
import { configLoader } from "../provider.ts";
import { stateDir } from "../../service/pid-record.ts";
import { sharedSupervisor } from "../pool/supervisor.ts";
import { collectStatus, formatStatus } from "./status.ts";
import { runStop } from "./stop.ts";

export function registerInferrsCli(api: OpenClawPluginApi): void {
  const loadConfig = configLoader(api.pluginConfig);
  api.registerCli(
    ({ program, config }) => {
      const inferrs = program.command("inferrs").description("inferrs local model server");
      inferrs
        .command("status")
        .description("List the inferrs servers: model, port, state, requests in flight, idle time, who started them")
        .option("--json", "print JSON")
        .action(async (options: { json?: boolean }) => {
          const supervisor = sharedSupervisor({ env: process.env, stateDir: stateDir() });
          const report = await collectStatus(await loadConfig(config), process.env, stateDir(), supervisor);
          // With --json the host routes console.log to stderr: write the document to stdout.
          process.stdout.write(`${options.json ? terminalJson(report) : formatStatus(report)}\n`);
        });
      inferrs
        .command("stop [model]")
        .description("Stop the inferrs servers OpenClaw started (all, or the one serving <model>); never a server you run")
        .action(async (model: string | undefined) => {
          const { lines, exitCode } = await runStop(stateDir(), model);
          process.stdout.write(lines.map((line) => `${line}\n`).join(""));
          if (exitCode) process.exitCode = exitCode;
        });
    },
    { descriptors: [{ name: "inferrs", description: "inferrs local model server", hasSubcommands: true }] },
  );
}
