/**
 * Sent with every answer, streams and refusals included. The API serves JSON, Prometheus text and
 * server-sent events, never HTML, so nothing it sends should run, be framed, be sniffed into a
 * runnable type, leak the URL onward or sit in a cache shared with another user.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  // Manuscripts, finance and status change with every request and are nobody else's to keep.
  "cache-control": "no-store",
  // There is no HTML: nothing may load, run or frame a response even if a browser renders one.
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
  "referrer-policy": "no-referrer",
}
