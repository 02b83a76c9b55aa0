// Small HTTP helpers shared by discovery, the server supervisor and the embedding client.

/** inferrs has no auth; a configured key is still sent, as OpenAI clients do. */
export function bearerHeaders(apiKey: string | undefined): Record<string, string> {
  return apiKey ? { authorization: `Bearer ${apiKey}` } : {};
}

/** A response body as text, refused (the stream destroyed) once it passes `maxBytes`. */
export async function readCapped(
  body: AsyncIterable<Buffer> & { destroy(): void },
  maxBytes: number,
  tooLarge: () => Error,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Why a request reached nothing, in a few words ("connection refused", "ETIMEDOUT"). */
export function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string } })?.cause;
  const code = (error as { code?: string })?.code ?? cause?.code;
  if (code === "ECONNREFUSED") return "connection refused";
  return code ?? (error instanceof Error ? error.message : String(error));
}
