// A command run in a pseudo-terminal (util-linux `script`), as a user at a terminal runs it, with
// its prompts answered: each answer is typed once the screen shows its prompt.
import { type ChildProcess, spawn } from "node:child_process";

export interface TerminalAnswer {
  /** Text the screen shows when the answer is due (compared without whitespace). */
  prompt: string;
  /** What to type: text, "\r" for Enter, "\x1b[B" for the down arrow, "\x15" to clear the line. */
  keys: string;
}

export type TerminalResult = { code: number | null; screen: string; unanswered: string[] };

// CSI sequences (cursor moves, erase, colour), charset selection and keypad modes.
// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]/g;

/** The text of terminal output, escape sequences removed. */
export function screenText(output: string): string {
  return output.replace(ESCAPES, "");
}

const compact = (text: string) => text.replace(/\s/g, "");
const quote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`;

/**
 * Runs argv in a 160×50 terminal and types the answers in order. `started` gets the `script`
 * process (to stop it: the command, in the terminal's own session, gets SIGHUP when it goes).
 */
export function runInTerminal(
  argv: string[],
  answers: TerminalAnswer[],
  options: { env: NodeJS.ProcessEnv; cwd: string; timeoutMs: number; started?: (child: ChildProcess) => void },
): Promise<TerminalResult> {
  // `script` runs its command through a shell: the size is set there, the rest is quoted.
  const command = `stty cols 160 rows 50; exec ${argv.map(quote).join(" ")}`;
  const child = spawn("script", ["--quiet", "--flush", "--return", "--command", command, "/dev/null"], {
    env: options.env,
    cwd: options.cwd,
    stdio: ["pipe", "pipe", "pipe"],
  });
  options.started?.(child);
  const pending = [...answers];
  let output = "";
  let sinceAnswer = "";
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    output += text;
    sinceAnswer += compact(screenText(text));
    const next = pending[0];
    if (next && sinceAnswer.includes(compact(next.prompt))) {
      pending.shift();
      sinceAnswer = "";
      child.stdin!.write(next.keys);
    }
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
  return new Promise((resolve, reject) => {
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run util-linux \`script\` for a terminal test (Debian package bsdutils): ${error.message}`));
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, screen: screenText(output), unanswered: pending.map((answer) => answer.prompt) });
    });
  });
}
