// Model ids as llmman resolves them (llmman-api.md §16): bare → docker.io/ai/<x>, owner/repo →
// hf.co/owner/repo, `:latest` when untagged, case-sensitive; plus the newer hybrid/provider refs (§12).

/** `shortnames::resolve_ollama_api` + the shim's default tag (no alias files are read). */
export function resolveRef(name: string): string {
  let ref = name.replace(/^(hf|huggingface):\/\//, "");
  if (!ref.includes("/")) ref = `docker.io/ai/${ref}`;
  else {
    const first = ref.split("/")[0];
    if (!first.includes(".") && first !== "localhost") ref = `hf.co/${ref}`;
  }
  const last = ref.slice(ref.lastIndexOf("/") + 1);
  return last.includes(":") ? ref : `${ref}:latest`;
}

/** What the newer `InvalidReference` rejects (the emulator's reading: empty, or characters outside §16's set). */
export function invalidRefReason(name: string): string | undefined {
  if (name === "") return "model is required";
  if (!/^[A-Za-z0-9._:/@+,-]+$/.test(name)) return `invalid model reference ${JSON.stringify(name)}`;
  return undefined;
}

export interface ProviderRef {
  provider: string;
  model: string;
}

export interface HybridRef {
  local: string;
  remote: ProviderRef;
}

/** `llmman.provider/<provider>/<model>`. */
export function parseProviderRef(id: string): ProviderRef | undefined {
  const m = /^llmman\.provider\/([^/]+)\/(.+)$/.exec(id);
  return m ? { provider: m[1], model: m[2] } : undefined;
}

/** `llmman.hybrid/<local>,<provider>/<model>`. */
export function parseHybridRef(id: string): HybridRef | undefined {
  const m = /^llmman\.hybrid\/([^,]+),([^/,]+)\/([^,]+)$/.exec(id);
  return m ? { local: m[1], remote: { provider: m[2], model: m[3] } } : undefined;
}
