// Whether a base URL's host is this machine, apart from resolve.ts so that modules evaluated at
// plugin import can use it without evaluating TypeBox.

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}
