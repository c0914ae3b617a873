/**
 * Why a dependency is down, in the operator's words: what `/readyz` says after the dependency's
 * name ("queue down (disk full)"). Reads the error and the chain of its `cause`s: SQLite's result
 * codes (node:sqlite's `errcode`, extended codes included), Node's system error codes (Redis and
 * Neo4j connections, the file system), the deployment-identity refusal and an open breaker.
 */

const SQLITE_CAUSES: Readonly<Record<number, string>> = {
  5: "database locked (SQLITE_BUSY)",
  6: "database locked (SQLITE_LOCKED)",
  8: "read-only storage (SQLITE_READONLY)",
  10: "disk I/O error (SQLITE_IOERR)",
  11: "database corrupt (SQLITE_CORRUPT)",
  13: "disk full (SQLITE_FULL)",
  14: "cannot open the database (SQLITE_CANTOPEN)",
}

const SYSTEM_CAUSES: Readonly<Record<string, string>> = {
  ENOSPC: "disk full (ENOSPC)",
  EDQUOT: "disk quota exceeded (EDQUOT)",
  EROFS: "read-only storage (EROFS)",
  EACCES: "permission denied (EACCES)",
  EPERM: "permission denied (EPERM)",
  ECONNREFUSED: "unreachable (ECONNREFUSED)",
  ECONNRESET: "connection reset (ECONNRESET)",
  ETIMEDOUT: "unreachable (ETIMEDOUT)",
  EHOSTUNREACH: "unreachable (EHOSTUNREACH)",
  ENOTFOUND: "unreachable (host not found)",
  EAI_AGAIN: "unreachable (host not found)",
}

/** By message, for errors that carry no code (ioredis, the Neo4j driver, SQLite's text). */
const MESSAGE_CAUSES: ReadonlyArray<readonly [RegExp, string]> = [
  [/database or disk is full|no space left on device/i, "disk full"],
  [/database (table )?is locked|SQLITE_BUSY/i, "database locked"],
  [/disk I\/O error/i, "disk I/O error"],
  [/database disk image is malformed/i, "database corrupt"],
  [/connection is closed|stream isn't writeable|max retries per request|could not perform discovery|failed to connect|ServiceUnavailable/i, "unreachable"],
  [/command timed out|timed out/i, "not answering in time"],
]

const MAX_CHAIN = 8
const MAX_FALLBACK = 160

const field = (value: unknown, key: string): unknown =>
  typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined

/** The error, then its `cause`, its cause's cause … (bounded: a cyclic chain ends). */
const chainOf = (error: unknown): ReadonlyArray<unknown> => {
  const chain: Array<unknown> = []
  for (let e = error; e !== undefined && e !== null && chain.length < MAX_CHAIN && !chain.includes(e); e = field(e, "cause")) chain.push(e)
  return chain
}

/** The cause in a few words, or undefined when nothing in the error says why. */
export const classifyCause = (error: unknown): string | undefined => {
  const chain = chainOf(error)
  // The most specific first: a code anywhere in the chain beats a wrapper's words.
  for (const e of chain) {
    if (field(e, "_tag") === "DeploymentMismatch") return String(field(e, "message"))
    const errcode = field(e, "errcode")
    if (typeof errcode === "number" && SQLITE_CAUSES[errcode & 0xff] !== undefined) return SQLITE_CAUSES[errcode & 0xff]
    const code = field(e, "code")
    if (typeof code === "string") {
      if (SYSTEM_CAUSES[code] !== undefined) return SYSTEM_CAUSES[code]
      const sqlite = /^SQLITE_([A-Z]+)/.exec(code)?.[1]
      const byName = Object.values(SQLITE_CAUSES).find((c) => c.endsWith(`(SQLITE_${sqlite})`))
      if (byName !== undefined) return byName
    }
  }
  for (const e of chain) {
    const message = field(e, "message") ?? (typeof e === "string" ? e : undefined)
    if (typeof message !== "string") continue
    for (const [pattern, cause] of MESSAGE_CAUSES) if (pattern.test(message)) return cause
  }
  for (const e of chain) if (field(e, "_tag") === "BreakerOpen") return "circuit breaker open"
  return undefined
}

/** `classifyCause`, or else the error's own first line (shortened): never nothing at all. */
export const describeCause = (error: unknown): string => {
  const known = classifyCause(error)
  if (known !== undefined) return known
  const message = field(error, "message")
  const text = (typeof message === "string" && message !== "" ? message : String(error)).split("\n")[0]!.trim()
  return text.length > MAX_FALLBACK ? `${text.slice(0, MAX_FALLBACK - 1)}…` : text
}

/** One dependency in `/readyz`'s detail: "queue down" or "queue down (disk full (SQLITE_FULL))". */
export const downEntry = (name: string, cause: string | undefined): string => (cause === undefined ? `${name} down` : `${name} down (${cause})`)
