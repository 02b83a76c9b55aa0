// One spawned `inferrs serve` process: argument array (no shell), its own process group (so its
// workers die with it), unref'd so a one-shot CLI never waits for it, output kept as a tail.
import type { execa as Execa, ResultPromise } from "execa";
import { OutputTail } from "./output-tail.ts";

export type ExitInfo = { code: number | undefined; signal: string | undefined };

export const STOP_GRACE_MS = 3000;

/** How a process ended, for a message. */
export function describeExit(exit: ExitInfo): string {
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code ?? "unknown"}`;
}
/** How long stop() waits for the exit after SIGKILL before it gives up waiting. */
const KILL_WAIT_MS = 2000;

export class ServerProcess {
  readonly pid: number;
  readonly startedAt = Date.now();
  readonly output: OutputTail;
  /** Settles when the process has exited and its output is read, for whatever reason. */
  readonly exited: Promise<ExitInfo>;
  /** Settles at the process's exit event, without waiting for its output pipes to close. */
  private readonly gone: Promise<void>;
  exit: ExitInfo | undefined;
  private readonly child: ResultPromise;

  /** Spawns the server; execa is loaded here, on the first start, not at plugin import. */
  static async spawn(command: string, args: string[], env: Record<string, string>, secrets: string[]): Promise<ServerProcess> {
    const { execa } = await import("execa");
    return new ServerProcess(execa, command, args, env, secrets);
  }

  private constructor(execa: typeof Execa, command: string, args: string[], env: Record<string, string>, secrets: string[]) {
    this.output = new OutputTail(secrets);
    this.child = execa(command, args, {
      env,
      detached: true, // own process group: stop() signals the whole group
      cleanup: false, // we stop it ourselves, with a grace period
      reject: false,
      buffer: false,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      windowsHide: true,
    });
    // execa reports spawn failures (ENOENT, EACCES) through the promise, with no pid.
    this.pid = this.child.pid ?? -1;
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream?.on("data", (chunk: Buffer) => this.output.push(chunk));
      (stream as unknown as { unref?: () => void })?.unref?.();
    }
    this.child.unref();
    // The exit event, not execa's result: that also waits for the pipes, which a member of the
    // process group that outlives the server keeps open.
    this.gone = new Promise((resolve) => {
      this.child.once("exit", (code, signal) => {
        this.exit ??= { code: code ?? undefined, signal: signal ?? undefined };
        resolve();
      });
      this.child.once("error", () => resolve());
    });
    this.exited = this.child.then(
      (result) => {
        // With reject: false, a failed spawn (ENOENT from a missing #! interpreter, EACCES) lands
        // here, with neither an exit code nor a signal: keep execa's reason for the error message.
        if (result.exitCode === undefined && result.signal === undefined && result.shortMessage) {
          this.output.push(`${result.shortMessage}\n`);
        }
        return (this.exit ??= { code: result.exitCode, signal: result.signal });
      },
      (error: { exitCode?: number; signal?: string; shortMessage?: string }) => {
        if (error.shortMessage) this.output.push(`${error.shortMessage}\n`);
        return (this.exit ??= { code: error.exitCode, signal: error.signal });
      },
    );
  }

  get running(): boolean {
    return this.exit === undefined && this.pid > 0;
  }

  /**
   * SIGTERM to the process group, SIGKILL after the grace period; resolves once the process is gone,
   * and always settles: whatever the group does with SIGTERM, and even if members that left the
   * group keep its output pipes open.
   */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    if (!this.running) return;
    // The child and its pipes are unref'd: with nothing referenced, a one-shot CLI awaiting this
    // would end with an unsettled top-level await (exit code 13, no message). This timer keeps the
    // process alive until stop() settles, and bounds the wait.
    let keepAlive: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<void>((resolve) => (keepAlive = setTimeout(resolve, graceMs + KILL_WAIT_MS)));
    try {
      signalGroup(this.pid, "SIGTERM");
      let grace: NodeJS.Timeout | undefined;
      const graceOver = new Promise<void>((resolve) => (grace = setTimeout(resolve, graceMs)));
      await Promise.race([this.gone, graceOver]);
      clearTimeout(grace);
      if (this.running) signalGroup(this.pid, "SIGKILL");
      await Promise.race([this.gone, gaveUp]);
    } finally {
      clearTimeout(keepAlive);
    }
    // Members of the group may outlive the leader (workers of a daemon-mode server): clear the
    // group. Only the group: the pid itself has been reaped by now and may belong to another process.
    try {
      process.kill(-this.pid, "SIGKILL");
    } catch {
      // no process left in the group
    }
  }

  /** For process exit handlers, where nothing can be awaited. */
  killNow(): void {
    if (!this.running) return;
    signalGroup(this.pid, "SIGTERM");
    signalGroup(this.pid, "SIGKILL");
  }
}

export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}
