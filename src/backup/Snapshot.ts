import { createHash } from "node:crypto"
import { createReadStream, createWriteStream, existsSync } from "node:fs"
import { Transform } from "node:stream"
import { pipeline } from "node:stream/promises"
import { backup, DatabaseSync } from "node:sqlite"
import { createGunzip, createGzip } from "node:zlib"
import type { BackupCounts } from "./Manifest.ts"

/**
 * Copies a live SQLite database to `outPath` with SQLite's online backup API, in one step
 * (all pages under one read transaction), so the copy is a consistent snapshot even while
 * the factory keeps writing through its own connection (WAL: readers never block the
 * writer). The copy is switched to `journal_mode=DELETE` so that it is one self-contained
 * file; the factory turns WAL back on when it opens it.
 */
export const snapshotDatabase = async (dbPath: string, outPath: string): Promise<number> => {
  if (dbPath === ":memory:" || dbPath.startsWith("file:")) throw new Error(`cannot back up the database '${dbPath}': not a file`)
  if (!existsSync(dbPath)) throw new Error(`no database at ${dbPath}`)
  const source = new DatabaseSync(dbPath, { readOnly: true })
  let pages: number
  try {
    pages = await backup(source, outPath, { rate: 2 ** 31 - 1 })
  } finally {
    source.close()
  }
  const copy = new DatabaseSync(outPath)
  try {
    copy.exec("PRAGMA journal_mode = DELETE")
  } finally {
    copy.close()
  }
  return pages
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`

/** Row counts of a database file, opened read-only; also runs `PRAGMA quick_check`. */
export const inspectDatabase = (path: string): { readonly counts: BackupCounts; readonly check: string } => {
  const db = new DatabaseSync(path, { readOnly: true })
  try {
    const check = (db.prepare("PRAGMA quick_check").all() as Array<Record<string, unknown>>).map((r) => String(Object.values(r)[0])).join("; ")
    const names = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>).map(
      (r) => r.name,
    )
    const tables: Record<string, number> = {}
    for (const name of names) tables[name] = Number((db.prepare(`SELECT count(*) AS n FROM ${quote(name)}`).get() as { n: number }).n)
    const first = (...candidates: ReadonlyArray<string>) => candidates.map((c) => tables[c]).find((n) => n !== undefined) ?? 0
    const ledgerTables = names.filter((n) => /ledger/i.test(n))
    return {
      check,
      counts: {
        projects: first("story_projects", "projects"),
        episodes: first("story_episodes", "episodes"),
        ledgerRows: ledgerTables.length === 0 ? null : ledgerTables.reduce((sum, n) => sum + tables[n]!, 0),
        tables,
      },
    }
  } finally {
    db.close()
  }
}

export interface Digest {
  readonly size: number
  readonly sha256: string
}

const hashing = (onDone: (d: Digest) => void): Transform => {
  const hash = createHash("sha256")
  let size = 0
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk)
      size += chunk.length
      cb(null, chunk)
    },
    flush(cb) {
      onDone({ size, sha256: hash.digest("hex") })
      cb()
    },
  })
}

/** Gzips `from` into `to`, hashing both sides. */
export const gzipFile = async (from: string, to: string): Promise<{ readonly content: Digest; readonly stored: Digest }> => {
  let content: Digest | undefined
  let stored: Digest | undefined
  await pipeline(
    createReadStream(from),
    hashing((d) => (content = d)),
    createGzip({ level: 6 }),
    hashing((d) => (stored = d)),
    createWriteStream(to),
  )
  return { content: content!, stored: stored! }
}

/** Writes a stream to a file, hashing it. */
export const saveStream = async (source: AsyncIterable<Uint8Array>, to: string): Promise<Digest> => {
  let digest: Digest | undefined
  await pipeline(source, hashing((d) => (digest = d)), createWriteStream(to))
  return digest!
}

/** Gunzips `from` into `to` (or copies it for `identity`), hashing the content. */
export const decodeFile = async (from: string, to: string, encoding: "gzip" | "identity"): Promise<Digest> => {
  let digest: Digest | undefined
  if (encoding === "gzip") await pipeline(createReadStream(from), createGunzip(), hashing((d) => (digest = d)), createWriteStream(to))
  else await pipeline(createReadStream(from), hashing((d) => (digest = d)), createWriteStream(to))
  return digest!
}
