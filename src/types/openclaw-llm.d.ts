// openclaw/plugin-sdk/llm ships no type declarations; we only use streamSimple (typed at use).
declare module "openclaw/plugin-sdk/llm" {
  export const streamSimple: unknown;
}
