import { createReadStream, existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs"
import { rename } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { Clock, Context, Data, Effect, Random, Result } from "effect"
import type { BlobStoreShape, InterruptedUpload } from "../blob/BlobStore.ts"
import { databaseFile } from "../sqlite/Database.ts"
import type { RetentionPolicy } from "./BackupConfig.ts"
import {
  type BackupCounts,
  type BackupManifest,
  backupIdTime,
  DATABASE_OBJECT,
  decodeManifest,
  encodeManifest,
  FORMAT,
  FORMAT_VERSION,
  isBackupId,
  MANIFEST_NAME,
  makeBackupId,
} from "./Manifest.ts"
import { applyRetention, newerFirst, type RetentionDecision } from "./Retention.ts"
import { makeScratch, scratchRootNextTo, type SweptScratch, describeSweptScratch, sweepScratch } from "./Scratch.ts"
import { decodeFile, gzipFile, inspectDatabase, saveStream, snapshotDatabase } from "./Snapshot.ts"
import { PRIVATE_DIRECTORY_MODE, restrictToOwner } from "../util/PrivateFiles.ts"

/** Taking, reading or restoring a backup failed; the message says what and where. */
export class BackupError extends Data.TaggedError("BackupError")<{ readonly message: string; readonly cause?: unknown }> {}

export class BackupNotFound extends Data.TaggedError("BackupNotFound")<{ readonly location: string; readonly id: string }> {
  override get message() {
    return `no complete backup '${this.id}' in ${this.location}`
  }
}

/** Restore refused to touch a directory (not empty and no `force`). */
export class RestoreRefused extends Data.TaggedError("RestoreRefused")<{ readonly dir: string; readonly reason: string }> {
  override get message() {
    return `refusing to restore into ${this.dir}: ${this.reason}`
  }
}

export interface VerifyReport {
  readonly id: string
  readonly ok: boolean
  /** Empty when ok; otherwise one line per problem (object, expected, got). */
  readonly problems: ReadonlyArray<string>
  /** Bytes downloaded. */
  readonly bytes: number
  /** Counts read from the downloaded database copy (when it could be opened). */
  readonly counts?: BackupCounts
}

export interface PruneResult {
  readonly decision: RetentionDecision
  readonly removed: ReadonlyArray<string>
}

export interface RestoreResult {
  readonly id: string
  readonly databasePath: string
  readonly counts: BackupCounts
  readonly bytes: number
}

export interface IncompleteSnapshot {
  readonly id: string
  readonly keys: ReadonlyArray<string>
  /** Why it is not complete: no manifest, or a manifest that does not decode. */
  readonly reason: string
}

/**
 * Snapshots of the factory database in a BlobStore, one "directory" per snapshot:
 * `<id>/factory.db.gz` then `<id>/manifest.json` (written last). `<id>` sorts by time.
 */
export interface BackupsShape {
  /** Where the snapshots live (`dir:/…` or `s3://bucket/prefix`). */
  readonly location: string
  /** Takes a snapshot of the database; returns its manifest once the manifest is stored. */
  readonly create: Effect.Effect<BackupManifest, BackupError>
  /** Complete snapshots only, oldest first (in creation order). */
  readonly list: Effect.Effect<ReadonlyArray<BackupManifest>, BackupError>
  /** Snapshots whose upload never finished (or whose manifest is unreadable). */
  readonly listIncomplete: Effect.Effect<ReadonlyArray<IncompleteSnapshot>, BackupError>
  /** The newest complete snapshot, if any. */
  readonly latest: Effect.Effect<BackupManifest | undefined, BackupError>
  /** Downloads the snapshot, checks every SHA-256 and size, opens the database copy read-only and compares its counts. */
  readonly verify: (id: string) => Effect.Effect<VerifyReport, BackupError | BackupNotFound>
  /**
   * Deletes the snapshots the retention policy does not keep (manifest first, so a half-deleted
   * snapshot is never complete-looking); never \`verified\` (the newest verified snapshot) nor one
   * created after it.
   */
  readonly prune: (policy: RetentionPolicy, timeZone?: string, verified?: string) => Effect.Effect<PruneResult, BackupError>
  /** Deletes incomplete snapshots started more than `graceMs` ago (a younger one may still be uploading). */
  readonly cleanupIncomplete: (graceMs: number) => Effect.Effect<ReadonlyArray<string>, BackupError>
  /**
   * Removes what uploads killed mid-way left in the store (temp files, open S3 multipart
   * uploads) once older than `graceMs`: below the level of snapshots, so `cleanupIncomplete`
   * never sees them, and a killed process never cleans them up itself.
   */
  readonly sweepInterrupted: (graceMs: number) => Effect.Effect<ReadonlyArray<InterruptedUpload>, BackupError>
  /**
   * Restores a snapshot as `<dataDir>/factory.db`, verified before it is put in place. Refuses a
   * non-empty `dataDir` unless `force` (then replaces `factory.db` and its `-wal`/`-shm` only).
   */
  readonly restore: (
    id: string,
    dataDir: string,
    options?: { readonly force?: boolean },
  ) => Effect.Effect<RestoreResult, BackupError | BackupNotFound | RestoreRefused>
  /**
   * Removes the scratch directories killed backups left in the scratch root (`create` does it
   * first too); logs and returns what it removed.
   */
  readonly sweepScratch: Effect.Effect<ReadonlyArray<SweptScratch>>
}

export class Backups extends Context.Service<Backups, BackupsShape>()("novel-factory/Backups") {}

export interface BackupsOptions {
  readonly store: BlobStoreShape
  /** The live database file; required by `create` only. */
  readonly databasePath?: string | undefined
  /**
   * Scratch space for snapshots and downloads. Default: `.tmp` beside the database
   * (`<data>/.tmp`), else the OS temp directory.
   */
  readonly tempDir?: string | undefined
}

const message = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error ? String((error as { message: unknown }).message) : String(error)

export const makeBackups = (options: BackupsOptions): BackupsShape => {
  const store = options.store
  const location = store.describe
  const wrap = (what: string) => (error: unknown) =>
    error instanceof BackupError ? error : new BackupError({ message: `${what}: ${message(error)}`, cause: error })
  const io = <A>(what: string, thunk: () => Promise<A>): Effect.Effect<A, BackupError> =>
    Effect.tryPromise({ try: thunk, catch: wrap(what) })
  const blob = <A, E>(what: string, effect: Effect.Effect<A, E>): Effect.Effect<A, BackupError> => Effect.mapError(effect, wrap(what))

  const scratchRoot = options.tempDir ?? (options.databasePath ? scratchRootNextTo(options.databasePath) : tmpdir())

  /** A scratch directory removed when the scope closes. */
  const scratch = (parent?: string) => makeScratch(parent ?? scratchRoot).pipe(Effect.mapError(wrap("creating a scratch directory")))

  /** What killed runs left in `root`, removed and logged. */
  const sweep = (root: string) =>
    Effect.tap(sweepScratch(root), (swept) => (swept.length > 0 ? Effect.logInfo(`backup: removed ${describeSweptScratch(swept)}`) : Effect.void))

  const timeOf = (m: BackupManifest) => ({ id: m.id, time: m.createdAt, ...(m.sequence === undefined ? {} : { sequence: m.sequence }) })

  const scan = Effect.gen(function* () {
    const objects = yield* blob(`listing ${location}`, store.list(""))
    const byId = new Map<string, Array<string>>()
    for (const o of objects) {
      const [id, ...rest] = o.key.split("/")
      if (!id || rest.length === 0 || !isBackupId(id)) continue
      const keys = byId.get(id) ?? []
      keys.push(o.key)
      byId.set(id, keys)
    }
    const complete: Array<BackupManifest> = []
    const incomplete: Array<IncompleteSnapshot> = []
    for (const [id, keys] of [...byId.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (!keys.includes(`${id}/${MANIFEST_NAME}`)) {
        incomplete.push({ id, keys, reason: "no manifest (upload interrupted?)" })
        continue
      }
      const bytes = yield* blob(`reading ${location}/${id}/${MANIFEST_NAME}`, store.get(`${id}/${MANIFEST_NAME}`))
      const manifest = decodeManifest(bytes)
      if (typeof manifest === "string") incomplete.push({ id, keys, reason: `unreadable manifest: ${manifest}` })
      else if (manifest.id !== id) incomplete.push({ id, keys, reason: `manifest names another id '${manifest.id}'` })
      else complete.push(manifest)
    }
    complete.sort((a, b) => newerFirst(timeOf(b), timeOf(a)))
    return { complete, incomplete }
  })

  const deleteSnapshot = (id: string) =>
    Effect.gen(function* () {
      // The manifest first: from then on the snapshot is incomplete, whatever happens next.
      yield* blob(`deleting ${id}`, store.delete(`${id}/${MANIFEST_NAME}`))
      const keys = yield* blob(`listing ${id}`, store.list(`${id}/`))
      for (const k of keys) yield* blob(`deleting ${k.key}`, store.delete(k.key))
    })

  const create: BackupsShape["create"] = Effect.gen(function* () {
    const databasePath = options.databasePath
    if (!databasePath) return yield* new BackupError({ message: "no database to back up (databasePath not set)" })
    const started = yield* Clock.currentTimeMillis
    const id = makeBackupId(started, yield* Random.nextIntBetween(0, 0xffffff))
    const { complete } = yield* scan
    const sequence = Math.max(0, ...complete.map((m) => m.sequence ?? 0)) + 1
    yield* sweep(scratchRoot)
    const work = yield* scratch()
    const raw = join(work, "factory.db")
    const packed = join(work, DATABASE_OBJECT)
    yield* io(`snapshot of ${databasePath}`, () => snapshotDatabase(databasePath, raw))
    const inspected = yield* io("inspecting the snapshot", async () => inspectDatabase(raw))
    if (inspected.check !== "ok") {
      return yield* new BackupError({ message: `the database snapshot fails quick_check: ${inspected.check}` })
    }
    const digests = yield* io("compressing the snapshot", () => gzipFile(raw, packed))
    yield* blob(`uploading ${id}/${DATABASE_OBJECT} to ${location}`, store.put(`${id}/${DATABASE_OBJECT}`, createReadStream(packed)))
    const finished = yield* Clock.currentTimeMillis
    const manifest: BackupManifest = {
      format: FORMAT,
      formatVersion: FORMAT_VERSION,
      id,
      createdAt: started,
      createdAtIso: new Date(started).toISOString(),
      sequence,
      objects: [
        {
          name: DATABASE_OBJECT,
          size: digests.stored.size,
          sha256: digests.stored.sha256,
          encoding: "gzip",
          contentSize: digests.content.size,
          contentSha256: digests.content.sha256,
        },
      ],
      counts: inspected.counts,
      durationMs: finished - started,
    }
    yield* blob(`uploading ${id}/${MANIFEST_NAME} to ${location}`, store.put(`${id}/${MANIFEST_NAME}`, encodeManifest(manifest)))
    return manifest
  }).pipe(Effect.scoped)

  /**
   * Downloads and checks a snapshot into `work`; returns the path of the decoded database
   * (when it could be decoded) and every problem found.
   */
  const fetchChecked = (manifest: BackupManifest, work: string) =>
    Effect.gen(function* () {
      const problems: Array<string> = []
      let bytes = 0
      let database: string | undefined
      for (const object of manifest.objects) {
        const key = `${manifest.id}/${object.name}`
        const stored = join(work, `stored-${object.name}`)
        const stream = yield* Effect.result(Effect.mapError(store.getStream(key), wrap(`downloading ${key}`)))
        if (Result.isFailure(stream)) {
          problems.push(`${object.name}: ${stream.failure.message}`)
          continue
        }
        const got = yield* io(`downloading ${key}`, () => saveStream(stream.success, stored))
        bytes += got.size
        if (got.size !== object.size) problems.push(`${object.name}: size ${got.size}, manifest says ${object.size}`)
        if (got.sha256 !== object.sha256) problems.push(`${object.name}: SHA-256 ${got.sha256}, manifest says ${object.sha256}`)
        if (got.sha256 !== object.sha256) continue
        const decoded = join(work, object.name.replace(/\.gz$/, ""))
        const content = yield* Effect.result(io(`decoding ${key}`, () => decodeFile(stored, decoded, object.encoding)))
        if (Result.isFailure(content)) {
          problems.push(`${object.name}: ${content.failure.message}`)
          continue
        }
        if (content.success.sha256 !== object.contentSha256 || content.success.size !== object.contentSize) {
          problems.push(`${object.name}: decoded content SHA-256 ${content.success.sha256} (${content.success.size} B), manifest says ${object.contentSha256} (${object.contentSize} B)`)
          continue
        }
        if (object.name === DATABASE_OBJECT) database = decoded
      }
      let counts: BackupCounts | undefined
      if (database) {
        const inspected = yield* Effect.result(io("opening the database copy", async () => inspectDatabase(database)))
        if (Result.isFailure(inspected)) problems.push(inspected.failure.message)
        else {
          counts = inspected.success.counts
          if (inspected.success.check !== "ok") problems.push(`database quick_check: ${inspected.success.check}`)
          const expected = manifest.counts
          for (const field of ["projects", "episodes", "ledgerRows"] as const) {
            if (counts[field] !== expected[field]) problems.push(`${field}: ${counts[field]} in the copy, manifest says ${expected[field]}`)
          }
          for (const [table, n] of Object.entries(expected.tables)) {
            if (counts.tables[table] !== n) problems.push(`table ${table}: ${counts.tables[table] ?? "missing"} rows in the copy, manifest says ${n}`)
          }
        }
      } else if (!manifest.objects.some((o) => o.name === DATABASE_OBJECT)) {
        problems.push(`the manifest lists no ${DATABASE_OBJECT}`)
      }
      return { problems, bytes, database, counts }
    })

  const manifestOf = (id: string) =>
    Effect.gen(function* () {
      if (!isBackupId(id)) return yield* new BackupNotFound({ location, id })
      const bytes = yield* store.get(`${id}/${MANIFEST_NAME}`).pipe(
        Effect.catchTag("BlobNotFound", () => Effect.fail(new BackupNotFound({ location, id }))),
        Effect.mapError((e) => (e instanceof BackupNotFound ? e : wrap(`reading ${id}/${MANIFEST_NAME}`)(e))),
      )
      const manifest = decodeManifest(bytes)
      if (typeof manifest === "string") return yield* new BackupError({ message: `${location}/${id}/${MANIFEST_NAME} is unreadable: ${manifest}` })
      return manifest
    })

  const verify: BackupsShape["verify"] = (id) =>
    Effect.gen(function* () {
      const manifest = yield* manifestOf(id)
      const work = yield* scratch()
      const r = yield* fetchChecked(manifest, work)
      return { id, ok: r.problems.length === 0, problems: r.problems, bytes: r.bytes, ...(r.counts ? { counts: r.counts } : {}) }
    }).pipe(Effect.scoped)

  const restore: BackupsShape["restore"] = (id, dataDir, restoreOptions) =>
    Effect.gen(function* () {
      const dir = resolve(dataDir)
      const force = restoreOptions?.force === true
      if (existsSync(dir)) {
        if (!statSync(dir).isDirectory()) return yield* new RestoreRefused({ dir, reason: "not a directory" })
        const entries = readdirSync(dir)
        if (entries.length > 0 && !force) {
          return yield* new RestoreRefused({ dir, reason: `not empty (${entries.slice(0, 3).join(", ")}${entries.length > 3 ? " …" : ""}); use --force to replace its database` })
        }
      }
      const manifest = yield* manifestOf(id)
      yield* io(`creating ${dir}`, async () => mkdirSync(dir, { recursive: true, mode: PRIVATE_DIRECTORY_MODE }))
      // Scratch space inside the target, so the final rename stays on one file system.
      yield* sweep(dir)
      const work = yield* scratch(dir)
      const r = yield* fetchChecked(manifest, work)
      if (r.problems.length > 0 || !r.database || !r.counts) {
        return yield* new BackupError({ message: `backup ${id} failed verification, nothing restored:\n  ${r.problems.join("\n  ")}` })
      }
      const target = databaseFile(dir)
      const database = r.database
      yield* io(`installing ${target}`, async () => {
        for (const suffix of ["-wal", "-shm", "-journal"]) rmSync(`${target}${suffix}`, { force: true })
        await rename(database, target)
        restrictToOwner(target)
      })
      return { id, databasePath: target, counts: r.counts, bytes: r.bytes }
    }).pipe(Effect.scoped)

  const prune: BackupsShape["prune"] = (policy, timeZone = "UTC", verified) =>
    Effect.gen(function* () {
      const { complete } = yield* scan
      const decision = applyRetention(complete.map(timeOf), policy, timeZone, verified)
      const removed: Array<string> = []
      for (const id of decision.remove) {
        yield* deleteSnapshot(id)
        removed.push(id)
      }
      return { decision, removed }
    })

  const cleanupIncomplete: BackupsShape["cleanupIncomplete"] = (graceMs) =>
    Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const { incomplete } = yield* scan
      const removed: Array<string> = []
      for (const snapshot of incomplete) {
        const started = backupIdTime(snapshot.id) ?? now
        if (now - started < graceMs) continue
        for (const key of snapshot.keys) yield* blob(`deleting ${key}`, store.delete(key))
        removed.push(snapshot.id)
      }
      return removed
    })

  // The whole store: every object in it is a snapshot's (see `scan`).
  const sweepInterrupted: BackupsShape["sweepInterrupted"] = (graceMs) =>
    blob(`sweeping interrupted uploads in ${location}`, store.sweepInterrupted("", graceMs))

  const list = Effect.map(scan, (s) => s.complete)
  return {
    location,
    create,
    list,
    listIncomplete: Effect.map(scan, (s) => s.incomplete),
    latest: Effect.map(list, (l) => l[l.length - 1]),
    verify,
    prune,
    cleanupIncomplete,
    sweepInterrupted,
    restore,
    sweepScratch: sweep(scratchRoot),
  }
}
