import { Schema } from "effect"
import { errorMessage } from "../util/ErrorMessage.ts"

export const MANIFEST_NAME = "manifest.json"
export const DATABASE_OBJECT = "factory.db.gz"
export const FORMAT = "novel-factory-backup"
export const FORMAT_VERSION = 1

const Sha256 = Schema.String.check(Schema.isPattern(/^[0-9a-f]{64}$/, { message: "a lowercase hex SHA-256" }))
const Size = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

export const ManifestObject = Schema.Struct({
  /** Name inside the snapshot (`factory.db.gz`); the key is `<id>/<name>`. */
  name: Schema.String,
  /** Of the stored bytes. */
  size: Size,
  sha256: Sha256,
  /** `gzip`: the stored bytes are the content gzipped. */
  encoding: Schema.Literals(["identity", "gzip"]),
  /** Of the content once decoded (the SQLite file itself). */
  contentSize: Size,
  contentSha256: Sha256,
})
export type ManifestObject = typeof ManifestObject.Type

export const BackupCounts = Schema.Struct({
  projects: Size,
  episodes: Size,
  /** Rows of the ledger table(s), or null when the database has no ledger table. */
  ledgerRows: Schema.NullOr(Size),
  /** Row count of every table, by name. */
  tables: Schema.Record(Schema.String, Size),
})
export type BackupCounts = typeof BackupCounts.Type

/**
 * Written LAST, after every object is stored: a snapshot is complete if and only if its
 * manifest exists and decodes. Everything needed to verify the snapshot is in here.
 */
export const BackupManifest = Schema.Struct({
  format: Schema.Literal(FORMAT),
  formatVersion: Schema.Literal(FORMAT_VERSION),
  id: Schema.String,
  /** Epoch ms from the Effect Clock. */
  createdAt: Schema.Number,
  createdAtIso: Schema.String,
  /**
   * Creation order in this store: one more than the highest before it. Retention and "latest"
   * go by it, not by \`createdAt\`, which a wall-clock step moves (stepped back an hour, a fresh
   * snapshot looked an hour older than the one before and was pruned at once). Absent on
   * snapshots taken before it existed.
   */
  sequence: Schema.optionalKey(Schema.Number),
  objects: Schema.Array(ManifestObject),
  counts: BackupCounts,
  /** How long taking the snapshot took (ms). */
  durationMs: Schema.Number,
})
export type BackupManifest = typeof BackupManifest.Type

export const encodeManifest = (m: BackupManifest): Uint8Array => new TextEncoder().encode(`${JSON.stringify(m, null, 2)}\n`)

export const decodeManifest = (bytes: Uint8Array): BackupManifest | string => {
  try {
    return Schema.decodeUnknownSync(BackupManifest)(JSON.parse(new TextDecoder().decode(bytes)))
  } catch (error) {
    return errorMessage(error)
  }
}

const ID = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z-([0-9a-f]{6})$/

/**
 * `20250105T040000123Z-1a2b3c`: UTC time to the millisecond, then 24 random bits. Sorting
 * ids as strings sorts snapshots by time; the suffix keeps two snapshots of one
 * millisecond apart. Valid as a blob key segment and as a directory name.
 */
export const makeBackupId = (epochMs: number, random: number): string => {
  const iso = new Date(epochMs).toISOString() // 2025-01-05T04:00:00.123Z
  const compact = iso.replace(/[-:]/g, "").replace(".", "")
  const suffix = (Math.floor(random) >>> 0 & 0xffffff).toString(16).padStart(6, "0")
  return `${compact}-${suffix}`
}

export const isBackupId = (s: string): boolean => ID.test(s)

/** The time encoded in an id, or undefined when it is not one. */
export const backupIdTime = (id: string): number | undefined => {
  const m = ID.exec(id)
  if (!m) return undefined
  const [, y, mo, d, h, mi, s, ms] = m
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(ms))
}
