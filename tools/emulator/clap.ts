// Command-line parsing that behaves like inferrs' clap 4 definitions (main.rs `Cli`, `ServeArgs`):
// same options, defaults, value checks, and clap-style errors (stderr, exit 2).

export const VERSION = "0.1.0";

export interface ServeArgs {
  model?: string;
  revision: string;
  dtype: string;
  maxSeqLen: number;
  device: string;
  host: string;
  port?: number;
  blockSize: number;
  initialBlocks: number;
  maxBlocks: number;
  maxBatchSize: number;
  maxTokensPerStep: number;
  temperature: number;
  topP: number;
  topK: number;
  maxTokens: number;
  /** Fraction of memory for paged KV blocks; undefined = paged attention off. */
  pagedAttention?: number;
  /** TurboQuant bits, or null for `--turbo-quant=false`. */
  turboQuant: number | null;
  ggufFile?: string;
  tokenizerSource?: string;
  /** Raw --quantize value (default "Q4K"). */
  quantize: string;
}

export type CliOutcome =
  | { kind: "serve"; args: ServeArgs }
  | { kind: "exit"; code: number; stdout?: string; stderr?: string };

type Parse = (raw: string) => unknown;

interface OptionSpec {
  key: keyof ServeArgs;
  valueName: string;
  /** "value": `--x V` or `--x=V`; "optional": `--x` or `--x=V`; "equals": only `--x=V`. */
  form: "value" | "optional" | "equals";
  parse: Parse;
  missing?: string; // default_missing_value for "optional"
}

class ValueError extends Error {}

const integer = (max: bigint, ranged: boolean): Parse => (raw) => {
  if (raw === "") throw new ValueError("cannot parse integer from empty string");
  if (!/^\+?\d+$/.test(raw)) throw new ValueError("invalid digit found in string");
  const n = BigInt(raw);
  if (n > max) throw new ValueError(ranged ? `${raw} is not in 0..=${max}` : "number too large to fit in target type");
  return Number(n);
};
const usize = integer(0xffffffffffffffffn, false);
const float: Parse = (raw) => {
  // Rust's f64::from_str: decimal or exponent forms, inf/nan words; no hex, no empty string.
  if (!/^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|inf|infinity|nan)$/i.test(raw)) throw new ValueError("invalid float literal");
  return Number(raw.replace(/^([+-]?)inf(inity)?$/i, "$1Infinity"));
};
const text: Parse = (raw) => raw;
const turboQuant: Parse = (raw) => {
  if (raw.toLowerCase() === "false") return null;
  if (/^\+?\d+$/.test(raw) && Number(raw) >= 1 && Number(raw) <= 8) return Number(raw);
  throw new ValueError(`expected a bit-width (1–8) or 'false', got '${raw}'`);
};

const OPTIONS: Record<string, OptionSpec> = {
  revision: { key: "revision", valueName: "REVISION", form: "value", parse: text },
  dtype: { key: "dtype", valueName: "DTYPE", form: "value", parse: text },
  "max-seq-len": { key: "maxSeqLen", valueName: "MAX_SEQ_LEN", form: "value", parse: usize },
  device: { key: "device", valueName: "DEVICE", form: "value", parse: text },
  host: { key: "host", valueName: "HOST", form: "value", parse: text },
  port: { key: "port", valueName: "PORT", form: "value", parse: integer(65535n, true) },
  "block-size": { key: "blockSize", valueName: "BLOCK_SIZE", form: "value", parse: usize },
  "initial-blocks": { key: "initialBlocks", valueName: "INITIAL_BLOCKS", form: "value", parse: usize },
  "max-blocks": { key: "maxBlocks", valueName: "MAX_BLOCKS", form: "value", parse: usize },
  "max-batch-size": { key: "maxBatchSize", valueName: "MAX_BATCH_SIZE", form: "value", parse: usize },
  "max-tokens-per-step": { key: "maxTokensPerStep", valueName: "MAX_TOKENS_PER_STEP", form: "value", parse: usize },
  temperature: { key: "temperature", valueName: "TEMPERATURE", form: "value", parse: float },
  "top-p": { key: "topP", valueName: "TOP_P", form: "value", parse: float },
  "top-k": { key: "topK", valueName: "TOP_K", form: "value", parse: usize },
  "max-tokens": { key: "maxTokens", valueName: "MAX_TOKENS", form: "value", parse: usize },
  "paged-attention": { key: "pagedAttention", valueName: "FRACTION", form: "optional", parse: float, missing: "0.9" },
  "turbo-quant": { key: "turboQuant", valueName: "TURBO_QUANT", form: "equals", parse: turboQuant },
  "gguf-file": { key: "ggufFile", valueName: "FILENAME", form: "value", parse: text },
  "tokenizer-source": { key: "tokenizerSource", valueName: "REPO", form: "value", parse: text },
  quantize: { key: "quantize", valueName: "FORMAT", form: "optional", parse: text, missing: "Q4K" },
};

function defaults(): ServeArgs {
  return {
    revision: "main", dtype: "bf16", maxSeqLen: 0, device: "auto", host: "0.0.0.0",
    blockSize: 16, initialBlocks: 16, maxBlocks: 0, maxBatchSize: 32, maxTokensPerStep: 2048,
    temperature: 0.7, topP: 0.9, topK: 50, maxTokens: 2048, turboQuant: 8, quantize: "Q4K",
  };
}

const SERVE_USAGE = "Usage: inferrs serve [OPTIONS] [MODEL]";
const TOP_USAGE = "Usage: inferrs <COMMAND>";
const MORE = "For more information, try '--help'.";
const SUBCOMMANDS = ["serve", "run", "bench", "pull", "rm", "list", "ls", "stop", "help"];

function usageError(message: string, usage: string | undefined, tips: string[] = []): CliOutcome {
  const tipText = tips.length ? `\n${tips.map((t) => `  tip: ${t}`).join("\n")}\n` : "";
  const usageText = usage ? `\n${usage}\n` : "";
  return { kind: "exit", code: 2, stderr: `error: ${message}\n${tipText}${usageText}\n${MORE}\n` };
}

function display(name: string, spec: OptionSpec): string {
  if (spec.form === "optional") return `--${name}[=<${spec.valueName}>]`;
  if (spec.form === "equals") return `--${name}=<${spec.valueName}>`;
  return `--${name} <${spec.valueName}>`;
}

/** strsim::jaro, which clap uses (score > 0.7) to suggest a similar flag. */
function jaro(a: string, b: string): number {
  if (a === b) return 1;
  if (!a.length || !b.length) return 0;
  const window = Math.max(0, Math.floor(Math.max(a.length, b.length) / 2) - 1);
  const aHit = new Array<boolean>(a.length).fill(false);
  const bHit = new Array<boolean>(b.length).fill(false);
  let matches = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = Math.max(0, i - window); j < Math.min(b.length, i + window + 1); j++) {
      if (!bHit[j] && a[i] === b[j]) {
        aHit[i] = bHit[j] = true;
        matches++;
        break;
      }
    }
  }
  if (!matches) return 0;
  let transpositions = 0;
  for (let i = 0, j = 0; i < a.length; i++) {
    if (!aHit[i]) continue;
    while (!bHit[j]) j++;
    if (a[i] !== b[j]) transpositions++;
    j++;
  }
  return (matches / a.length + matches / b.length + (matches - transpositions / 2) / matches) / 3;
}

function unexpected(arg: string): CliOutcome {
  const tips: string[] = [];
  if (arg.startsWith("--")) {
    const name = arg.slice(2).split("=")[0];
    let best: [string, number] | undefined;
    for (const candidate of [...Object.keys(OPTIONS), "help"]) {
      const score = jaro(name, candidate);
      if (score > 0.7 && (!best || score > best[1])) best = [candidate, score];
    }
    if (best) tips.push(`a similar argument exists: '--${best[0]}'`);
  }
  tips.push(`to pass '${arg}' as a value, use '-- ${arg}'`);
  return usageError(`unexpected argument '${arg}' found`, SERVE_USAGE, tips);
}

export function parseServe(argv: string[]): CliOutcome {
  const args = defaults();
  const seen = new Set<string>();
  let positionalOnly = false;

  const setPositional = (value: string): CliOutcome | undefined => {
    if (args.model !== undefined) return usageError(`unexpected argument '${value}' found`, SERVE_USAGE);
    args.model = value;
    return undefined;
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (positionalOnly || arg === "-" || !arg.startsWith("-")) {
      const err = setPositional(arg);
      if (err) return err;
      continue;
    }
    if (arg === "--") {
      positionalOnly = true;
      continue;
    }
    if (arg === "-h" || arg === "--help") return { kind: "exit", code: 0, stdout: SERVE_HELP };
    if (!arg.startsWith("--")) return unexpected(arg.slice(0, 2));
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const spec = Object.hasOwn(OPTIONS, name) ? OPTIONS[name] : undefined;
    if (!spec) return unexpected(eq === -1 ? arg : arg.slice(0, eq));
    if (seen.has(name)) return usageError(`the argument '${display(name, spec)}' cannot be used multiple times`, SERVE_USAGE);
    seen.add(name);

    let raw: string;
    if (eq !== -1) raw = arg.slice(eq + 1);
    else if (spec.form === "optional") raw = spec.missing ?? "";
    else if (spec.form === "equals") return usageError(`equal sign is needed when assigning values to '${display(name, spec)}'`, SERVE_USAGE);
    else {
      const next = argv[i + 1];
      // clap does not take a flag-looking word (or a negative number) as the value.
      if (next === undefined || (next.startsWith("-") && next.length > 1)) {
        return usageError(`a value is required for '${display(name, spec)}' but none was supplied`, undefined);
      }
      raw = next;
      i++;
    }
    try {
      (args as unknown as Record<string, unknown>)[spec.key] = spec.parse(raw);
    } catch (e) {
      if (!(e instanceof ValueError)) throw e;
      return usageError(`invalid value '${raw}' for '${display(name, spec)}': ${e.message}`, undefined);
    }
  }
  return { kind: "serve", args };
}

/** Parses the whole command line (without node and script). */
export function parseCli(argv: string[]): CliOutcome {
  const [first, ...rest] = argv;
  if (first === undefined) {
    return usageError(`'inferrs' requires a subcommand but one was not provided\n  [subcommands: ${SUBCOMMANDS.join(", ")}]`, TOP_USAGE);
  }
  if (first === "-v" || first === "--version") return { kind: "exit", code: 0, stdout: `inferrs ${VERSION}\n` };
  if (first === "-h" || first === "--help" || (first === "help" && rest.length === 0)) return { kind: "exit", code: 0, stdout: TOP_HELP };
  if (first === "help" && rest[0] === "serve") return { kind: "exit", code: 0, stdout: SERVE_HELP };
  if (first.startsWith("-")) return usageError(`unexpected argument '${first}' found`, TOP_USAGE);
  if (first === "serve") return parseServe(rest);
  if (SUBCOMMANDS.includes(first)) {
    return { kind: "exit", code: 1, stderr: `inferrs emulator: 'inferrs ${first}' is not emulated; only 'serve' is\n` };
  }
  return usageError(`unrecognized subcommand '${first}'`, TOP_USAGE);
}

const TOP_HELP = `A TurboQuant inference server

Usage: inferrs <COMMAND>

Commands:
  serve  Serve a model from HuggingFace Hub
  run    Run a model interactively
  bench  Benchmark inference throughput and latency
  pull   Download a model to the local cache without serving it
  rm     Remove a cached model from local disk
  list   List locally cached models
  ls     List locally cached models (alias for list)
  stop   Stop a running model and unload it from memory
  help   Print this message or the help of the given subcommand(s)

Options:
  -v, --version  Print version
  -h, --help     Print help
`;

const SERVE_HELP = `Serve a model from HuggingFace Hub

Usage: inferrs serve [OPTIONS] [MODEL]

Arguments:
  [MODEL]  HuggingFace model ID (e.g. Qwen/Qwen3.5-0.8B). When omitted, inferrs starts without loading a model and exposes the Ollama-compatible API on port 17434 (same behaviour as \`ollama serve\`)

Options:
      --revision <REVISION>
          Git branch or tag on HuggingFace Hub [default: main]
      --dtype <DTYPE>
          Weight data type: f32, f16, bf16 [default: bf16]
      --max-seq-len <MAX_SEQ_LEN>
          Maximum sequence length (0 = model default) [default: 0]
      --device <DEVICE>
          Device: cpu, cuda, or metal [default: auto]
      --host <HOST>
          Address to bind to [default: 0.0.0.0]
      --port <PORT>
          Port to listen on. Defaults to 8080 when a model is specified, or 17434 (Ollama default) when no model is specified
      --block-size <BLOCK_SIZE>
          KV cache block size in tokens [default: 16]
      --initial-blocks <INITIAL_BLOCKS>
          Initial KV cache blocks [default: 16]
      --max-blocks <MAX_BLOCKS>
          Maximum KV cache blocks (0 = no limit) [default: 0]
      --max-batch-size <MAX_BATCH_SIZE>
          Maximum concurrent sequences [default: 32]
      --max-tokens-per-step <MAX_TOKENS_PER_STEP>
          Token budget per scheduler step [default: 2048]
      --temperature <TEMPERATURE>
          Default sampling temperature [default: 0.7]
      --top-p <TOP_P>
          Default nucleus sampling threshold [default: 0.9]
      --top-k <TOP_K>
          Default top-k sampling [default: 50]
      --max-tokens <MAX_TOKENS>
          Default max tokens to generate [default: 2048]
      --paged-attention[=<FRACTION>]
          Fraction of GPU/CPU memory to reserve for paged KV blocks (vLLM-style block management)
      --turbo-quant=<TURBO_QUANT>
          TurboQuant KV cache compression bit-width (Qwen3/Gemma4) [default: 8]
      --gguf-file <FILENAME>
          Specific GGUF filename to load from a GGUF-only repo
      --tokenizer-source <REPO>
          Optional HuggingFace repository to download tokenizer.json and config.json from
      --quantize[=<FORMAT>]
          Quantize model weights and cache the result on disk as a GGUF file [default: Q4K]
  -h, --help
          Print help (see a summary with '-h')
`;
