// Building blocks of the config schema that every backend's section uses: string enums, timer
// values Node can hold, and strings with a rule whose refusals say why.
import { Kind, Type, TypeRegistry, type SchemaOptions, type TSchema, type TString } from "@sinclair/typebox";

/** Node's timers overflow past 2^31 - 1 ms (and then fire at once). */
export const MAX_TIMER_MS = 2147483647;

/**
 * The rule of a checked string, for the plugin's own messages and the docs. A symbol key, so it
 * stays out of the manifest's JSON Schema (there the pattern alone does the refusing).
 */
export const Rule = Symbol.for("openclaw-plugin.rule");
/** The rule of a map's keys, on the map (TypeBox turns the key schema into `patternProperties`). */
const KeyRule = Symbol.for("openclaw-plugin.key-rule");
export type StringRule = {
  /** What the docs say a value must be. */
  summary: string;
  /** Why `value` (which fails the pattern) is refused, and what to do instead. */
  reason: (value: string) => string;
};

// A string enum as plain JSON Schema `{"type":"string","enum":[...]}`: OpenClaw's own validator
// then names every allowed value (a union of literals becomes `anyOf` and it names only the first).
TypeRegistry.Set<{ enum: string[] }>("StringEnum", (schema, value) => typeof value === "string" && schema.enum.includes(value));

export function StringEnum<T extends readonly string[]>(values: T, options: SchemaOptions = {}) {
  return Type.Unsafe<T[number]>({ ...options, [Kind]: "StringEnum", type: "string", enum: [...values] });
}

/** Milliseconds for a timer: an integer from `minimum` (default 0) to MAX_TIMER_MS. */
export function TimerMs(options: SchemaOptions & { minimum?: number; default?: number; description: string }) {
  return Type.Integer({ minimum: 0, ...options, maximum: MAX_TIMER_MS });
}

/** A string matching `pattern`; a refusal is explained by `rule`. */
export function CheckedString(pattern: string, rule: StringRule, options: SchemaOptions = {}): TString {
  return Type.String({ ...options, pattern, [Rule]: rule } as SchemaOptions);
}

export function ruleOf(schema: unknown): StringRule | undefined {
  return (schema as { [Rule]?: StringRule } | undefined)?.[Rule];
}

export function keyRuleOf(schema: unknown): StringRule | undefined {
  return (schema as { [KeyRule]?: StringRule } | undefined)?.[KeyRule];
}

/** A map whose keys must match a checked string; any other key is refused with the key's rule. */
export function CheckedMap<V extends TSchema>(key: TString, value: V, options: SchemaOptions = {}) {
  return Type.Record(key, value, { ...options, additionalProperties: false, [KeyRule]: ruleOf(key) } as SchemaOptions);
}

/**
 * A server argument that is none of the flags the plugin sets itself (`--flag` or `--flag=…`) and
 * not `--` (after which the plugin puts the model).
 */
export function ServerArg(ownedFlags: readonly string[], whereInstead: string): TString {
  const names = ownedFlags.map((flag) => flag.replace(/^--/, "")).join("|");
  const owned = ownedFlags.join(", ");
  return CheckedString(`^(?!--$)(?!--(?:${names})(?:=|$))`, {
    summary: `none of ${owned} or \`--\``,
    reason: (value) =>
      value === "--"
        ? "the plugin puts the model after `--` itself; remove it"
        : `the plugin sets ${owned} itself (${whereInstead}); remove it`,
  });
}

const ID_CHARS = "[^\\s\\\\\\u0000-\\u001f\\u007f-\\u009f]";
// `\` is refused in ids too: no model id has one, and Windows paths would.
const MODEL_ID = `^(?!-)${ID_CHARS}+$`;
const NOT_A_PATH = "(?![/~.])(?![A-Za-z]:)(?!.*/\\.\\.?(?:/|$))";

/** Why `id` is not a model id (or, with `paths: false`, is a path), or undefined. */
export function modelIdProblem(id: string, paths: boolean): string | undefined {
  if (!id) return "a model id is not empty";
  if (id.startsWith("-")) return 'a model id never starts with "-" (the server would read it as a flag)';
  if (!new RegExp(`^${ID_CHARS}+$`, "u").test(id)) return "a model id has no spaces, backslashes or control characters";
  if (!paths && !new RegExp(`^${NOT_A_PATH}`).test(id)) {
    return "it is a file path, and only model ids are allowed here";
  }
  return undefined;
}

/** A model id: not blank, no whitespace, backslash or control character, no leading "-"; a path only if `paths`. */
export function ModelId(paths: boolean, options: SchemaOptions = {}): TString {
  return CheckedString(paths ? MODEL_ID : `^${NOT_A_PATH}${MODEL_ID.slice(1)}`, {
    summary: paths ? "a model id or a local path, not a flag" : "a model id, not a flag or a path",
    reason: (value) => modelIdProblem(value, paths) ?? "it is not a model id",
  }, options);
}
