import { Context, Data, type Effect, type Option } from "effect"

/** The store failed (I/O error, unreachable server, denied …); the message names the store and the key. */
export class BlobError extends Data.TaggedError("BlobError")<{
  readonly message: string
  readonly key?: string
  readonly cause?: unknown
}> {}

export class BlobNotFound extends Data.TaggedError("BlobNotFound")<{ readonly store: string; readonly key: string }> {
  override get message() {
    return `${this.store}: no object '${this.key}'`
  }
}

export class InvalidBlobKey extends Data.TaggedError("InvalidBlobKey")<{ readonly key: string; readonly reason: string }> {
  override get message() {
    return `invalid blob key '${this.key}': ${this.reason}`
  }
}

export interface BlobInfo {
  readonly key: string
  readonly size: number
  /** Epoch ms, when the store knows it. */
  readonly lastModified?: number
}

/**
 * What a write killed mid-way (SIGKILL, OOM, power loss) leaves behind: a directory store's
 * `.tmp-*` file, an S3 multipart upload never completed nor aborted. Neither is an object —
 * `list` never shows it — yet it holds space (S3 bills an open upload's parts for ever).
 */
export interface InterruptedUpload {
  /**
   * S3: the key the upload was writing. Directory: the temp file's own path under the root
   * (`a/b/.tmp-3f2a…`), since the key it was meant for is not recorded anywhere.
   */
  readonly key: string
  /** S3 only: the multipart upload that was aborted. */
  readonly uploadId?: string
  /**
   * Epoch ms the age is measured from. S3: when the upload was initiated. Directory: the temp
   * file's last write — a slow live upload keeps touching it, so it never looks abandoned.
   */
  readonly startedAt: number
}

/** Bytes, or a stream of chunks (a Node `Readable` is one). A stream is consumed once. */
export type BlobBody = Uint8Array | AsyncIterable<Uint8Array>

/**
 * Flat key → bytes storage for backups and exports. Keys look like relative paths
 * (`backups/2025…/manifest.json`); see {@link validateKey}. A `put` is atomic: a reader sees
 * the whole old object, the whole new one, or none — never a partial object.
 */
export interface BlobStoreShape {
  /** Where the objects live, for messages: `dir:/var/backups` or `s3://bucket/prefix`. */
  readonly describe: string
  readonly put: (key: string, body: BlobBody) => Effect.Effect<BlobInfo, BlobError | InvalidBlobKey>
  readonly get: (key: string) => Effect.Effect<Uint8Array, BlobNotFound | BlobError | InvalidBlobKey>
  /** The object as a stream of chunks (for objects too large to hold in memory). */
  readonly getStream: (key: string) => Effect.Effect<AsyncIterable<Uint8Array>, BlobNotFound | BlobError | InvalidBlobKey>
  readonly head: (key: string) => Effect.Effect<Option.Option<BlobInfo>, BlobError | InvalidBlobKey>
  readonly exists: (key: string) => Effect.Effect<boolean, BlobError | InvalidBlobKey>
  /** Every object whose key starts with `prefix` (`""` for all), sorted by key. */
  readonly list: (prefix: string) => Effect.Effect<ReadonlyArray<BlobInfo>, BlobError | InvalidBlobKey>
  /** Idempotent: deleting a missing key succeeds. */
  readonly delete: (key: string) => Effect.Effect<void, BlobError | InvalidBlobKey>
  /**
   * Removes the leftovers of interrupted writes under `prefix` (same meaning as in `list`)
   * that are at least `olderThanMs` old by Effect's `Clock`; returns what it removed.
   *
   * `put` cleans up after itself when it *fails*, but a process killed mid-write runs no
   * cleanup, and nothing else would ever find those leftovers. Younger ones are kept: they may
   * be a live upload of another process, so `olderThanMs` must exceed the longest upload.
   * Completed objects are never touched.
   */
  readonly sweepInterrupted: (
    prefix: string,
    olderThanMs: number,
  ) => Effect.Effect<ReadonlyArray<InterruptedUpload>, BlobError | InvalidBlobKey>
}

export class BlobStore extends Context.Service<BlobStore, BlobStoreShape>()("novel-factory/BlobStore") {}

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/
export const MAX_KEY_LENGTH = 512

/**
 * A key is 1–512 characters of `/`-separated segments; each segment is `[A-Za-z0-9._-]`,
 * not starting with `.` or `-` (so no `..`, no hidden temp files, no options). No leading,
 * trailing or doubled `/`. The same key is then safe as a file path and as an S3 key.
 */
export const keyProblem = (key: string): string | undefined => {
  if (key.length === 0) return "empty"
  if (key.length > MAX_KEY_LENGTH) return `longer than ${MAX_KEY_LENGTH} characters`
  for (const segment of key.split("/")) {
    if (segment.length === 0) return "empty path segment (leading, trailing or doubled '/')"
    if (!SEGMENT.test(segment)) return `segment '${segment}' must be [A-Za-z0-9._-] and not start with '.' or '-'`
  }
  return undefined
}

export const validateKey = (key: string): InvalidBlobKey | undefined => {
  const reason = keyProblem(key)
  return reason === undefined ? undefined : new InvalidBlobKey({ key, reason })
}

/** A list prefix: `""`, a key, or a key followed by `/`. */
export const validatePrefix = (prefix: string): InvalidBlobKey | undefined => {
  if (prefix === "") return undefined
  const body = prefix.endsWith("/") ? prefix.slice(0, -1) : prefix
  const reason = keyProblem(body)
  return reason === undefined ? undefined : new InvalidBlobKey({ key: prefix, reason })
}

/** Joins key parts, ignoring empty ones: `joinKey("a", "", "b/c")` → `a/b/c`. */
export const joinKey = (...parts: ReadonlyArray<string>): string =>
  parts.map((p) => p.replace(/^\/+|\/+$/g, "")).filter((p) => p.length > 0).join("/")

export const isStream = (body: BlobBody): body is AsyncIterable<Uint8Array> => !(body instanceof Uint8Array)

/** Collects a stream (or returns the bytes). */
export const collect = async (body: BlobBody): Promise<Uint8Array> => {
  if (!isStream(body)) return body
  const chunks: Array<Uint8Array> = []
  let total = 0
  for await (const chunk of body) {
    chunks.push(chunk)
    total += chunk.length
  }
  return Buffer.concat(chunks, total)
}
