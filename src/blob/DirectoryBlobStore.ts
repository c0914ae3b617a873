import { randomBytes } from "node:crypto"
import { createReadStream, createWriteStream } from "node:fs"
import { mkdir, open, readdir, readFile, rename, rm, rmdir, stat } from "node:fs/promises"
import { dirname, join, resolve, sep } from "node:path"
import { Readable } from "node:stream"
import { pipeline } from "node:stream/promises"
import { Clock, Effect, Layer, Option } from "effect"
import {
  BlobError,
  type BlobInfo,
  BlobNotFound,
  BlobStore,
  type BlobStoreShape,
  type InterruptedUpload,
  isStream,
  type InvalidBlobKey,
  validateKey,
  validatePrefix,
} from "./BlobStore.ts"
import { PRIVATE_DIRECTORY_MODE, PRIVATE_FILE_MODE } from "../util/PrivateFiles.ts"
import { errorMessage } from "../util/ErrorMessage.ts"

const isNotFound = (error: unknown): boolean =>
  typeof error === "object" && error !== null && ((error as { code?: unknown }).code === "ENOENT" || (error as { code?: unknown }).code === "ENOTDIR")

/** Temp files start with `.` — keys never do (see `validateKey`), so `list` can never see one. */
const TEMP_PREFIX = ".tmp-"

/**
 * Objects as files under a root directory (`<root>/<key>`). `put` writes a temp file in the
 * target directory, fsyncs it and renames it over the key: atomic on POSIX file systems, so a
 * crash leaves either the old object or the new one, plus at worst a stray `.tmp-*` file.
 * Objects are backups of the whole database, so files and the directories made for them are private.
 */
export const makeDirectoryBlobStore = (root: string): BlobStoreShape => {
  const base = resolve(root)
  const describe = `dir:${base}`
  const pathOf = (key: string) => join(base, ...key.split("/"))
  const fail = (op: string, key: string) => (error: unknown) =>
    new BlobError({ message: `${describe}: ${op} '${key}' failed: ${errorMessage(error)}`, key, cause: error })

  const checked = <A, E>(key: string, body: (path: string) => Effect.Effect<A, E>): Effect.Effect<A, E | InvalidBlobKey> =>
    Effect.suspend((): Effect.Effect<A, E | InvalidBlobKey> => {
      const invalid = validateKey(key)
      return invalid ? Effect.fail(invalid) : body(pathOf(key))
    })

  const put: BlobStoreShape["put"] = (key, body) =>
    checked(key, (path) =>
      Effect.tryPromise({
        try: async () => {
          await mkdir(dirname(path), { recursive: true, mode: PRIVATE_DIRECTORY_MODE })
          const temp = join(dirname(path), `${TEMP_PREFIX}${randomBytes(6).toString("hex")}`)
          try {
            if (isStream(body)) {
              await pipeline(Readable.from(body, { objectMode: false }), createWriteStream(temp, { flags: "wx", mode: PRIVATE_FILE_MODE }))
            } else {
              const handle = await open(temp, "wx", PRIVATE_FILE_MODE)
              try {
                await handle.writeFile(body)
              } finally {
                await handle.close()
              }
            }
            const handle = await open(temp, "r+")
            try {
              await handle.sync()
            } finally {
              await handle.close()
            }
            await rename(temp, path)
          } catch (error) {
            await rm(temp, { force: true })
            throw error
          }
          const info = await stat(path)
          return { key, size: info.size, lastModified: info.mtimeMs } satisfies BlobInfo
        },
        catch: fail("put", key),
      }))

  const get: BlobStoreShape["get"] = (key) =>
    checked(key, (path) =>
      Effect.tryPromise({
        try: async () => new Uint8Array(await readFile(path)),
        catch: (error) => (isNotFound(error) ? new BlobNotFound({ store: describe, key }) : fail("get", key)(error)),
      }))

  const getStream: BlobStoreShape["getStream"] = (key) =>
    checked(key, (path) =>
      Effect.tryPromise({
        try: async () => {
          // Open first so a missing object fails here rather than on the first read.
          const handle = await open(path, "r")
          return createReadStream("", { fd: handle, autoClose: true }) as AsyncIterable<Uint8Array>
        },
        catch: (error) => (isNotFound(error) ? new BlobNotFound({ store: describe, key }) : fail("get", key)(error)),
      }))

  const head: BlobStoreShape["head"] = (key) =>
    checked(key, (path) =>
      Effect.tryPromise({
        try: async () => {
          try {
            const info = await stat(path)
            return info.isFile() ? Option.some<BlobInfo>({ key, size: info.size, lastModified: info.mtimeMs }) : Option.none<BlobInfo>()
          } catch (error) {
            if (isNotFound(error)) return Option.none<BlobInfo>()
            throw error
          }
        },
        catch: fail("head", key),
      }))

  const list: BlobStoreShape["list"] = (prefix) =>
    Effect.suspend((): Effect.Effect<ReadonlyArray<BlobInfo>, BlobError | InvalidBlobKey> => {
      const invalid = validatePrefix(prefix)
      if (invalid) return Effect.fail(invalid)
      return Effect.tryPromise({
        try: async () => {
          const out: Array<BlobInfo> = []
          await walkUnder(prefix, async (dir, name, key) => {
            if (name.startsWith(".") || validateKey(key) !== undefined) return
            const info = await stat(join(dir, name))
            out.push({ key, size: info.size, lastModified: info.mtimeMs })
          })
          return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
        },
        catch: fail("list", prefix),
      })
    })

  /**
   * Visits every file whose key starts with `prefix` (dot-files included, dot-directories not),
   * walking only the directories that can contain such keys.
   */
  const walkUnder = async (prefix: string, visit: (dir: string, name: string, key: string) => Promise<void>): Promise<void> => {
    const walk = async (dir: string, keyPrefix: string): Promise<void> => {
      let entries
      try {
        entries = await readdir(dir, { withFileTypes: true })
      } catch (error) {
        if (isNotFound(error)) return
        throw error
      }
      for (const entry of entries) {
        const key = keyPrefix === "" ? entry.name : `${keyPrefix}/${entry.name}`
        if (entry.isDirectory()) {
          if (entry.name.startsWith(".")) continue
          if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) await walk(join(dir, entry.name), key)
        } else if (entry.isFile() && key.startsWith(prefix)) await visit(dir, entry.name, key)
      }
    }
    const slash = prefix.lastIndexOf("/")
    const dirKey = slash >= 0 ? prefix.slice(0, slash) : ""
    await walk(dirKey === "" ? base : pathOf(dirKey), dirKey)
  }

  /** Removes directories left empty above `path`, up to (not including) the root. */
  const removeEmptyParents = async (path: string) => {
    let dir = dirname(path)
    while (dir.startsWith(base + sep)) {
      try {
        await rmdir(dir)
      } catch {
        break
      }
      dir = dirname(dir)
    }
  }

  const remove: BlobStoreShape["delete"] = (key) =>
    checked(key, (path) =>
      Effect.tryPromise({
        try: async () => {
          await rm(path, { force: true })
          await removeEmptyParents(path)
        },
        catch: fail("delete", key),
      }))

  const sweepInterrupted: BlobStoreShape["sweepInterrupted"] = (prefix, olderThanMs) =>
    Effect.gen(function* () {
      const invalid = validatePrefix(prefix)
      if (invalid) return yield* invalid
      const cutoff = (yield* Clock.currentTimeMillis) - olderThanMs
      return yield* Effect.tryPromise({
        try: async () => {
          const removed: Array<InterruptedUpload> = []
          await walkUnder(prefix, async (dir, name, key) => {
            if (!name.startsWith(TEMP_PREFIX)) return
            // A key segment never starts with `.`, so every key this temp file could have
            // become starts with its directory — and so with `prefix`, as the temp path does.
            const path = join(dir, name)
            let mtime: number
            try {
              mtime = (await stat(path)).mtimeMs
            } catch (error) {
              if (isNotFound(error)) return // renamed into place (or swept) meanwhile
              throw error
            }
            if (mtime > cutoff) return
            await rm(path, { force: true })
            await removeEmptyParents(path)
            removed.push({ key, startedAt: mtime })
          })
          return removed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
        },
        catch: fail("sweep", prefix),
      })
    })

  return {
    describe,
    put,
    get,
    getStream,
    head,
    exists: (key) => Effect.map(head(key), Option.isSome),
    list,
    delete: remove,
    sweepInterrupted,
  }
}

export const DirectoryBlobStore = {
  make: makeDirectoryBlobStore,
  layer: (root: string): Layer.Layer<BlobStore> => Layer.succeed(BlobStore, BlobStore.of(makeDirectoryBlobStore(root))),
}
