/**
 * Opening a connection with the factory's pragmas, apart from the `Database` service so that a
 * thread that only needs a connection (the WAL checkpointer) does not load Effect.
 */
import { closeSync, mkdirSync, openSync } from "node:fs"
import { dirname, join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { PRIVATE_DIRECTORY_MODE, PRIVATE_FILE_MODE, restrictToOwner } from "../util/PrivateFiles.ts"

/** Files SQLite keeps beside the database; it creates each with the database file's mode. */
const SIDECAR_SUFFIXES = ["-wal", "-shm", "-journal"] as const

/** A path names a file (not `:memory:` and not a `file:` URI, which may be in memory too). */
export const isFile = (path: string): boolean => path !== ":memory:" && !path.startsWith("file:")

/** The database file inside a data directory. */
export const databaseFile = (dataDir: string): string => join(dataDir, "factory.db")

/**
 * Opens a connection with the factory's pragmas. Exported for the bench, which measures raw
 * SQLite on an identically configured connection.
 */
export const openDatabase = (options: { readonly path: string; readonly busyTimeoutMs?: number }): DatabaseSync => {
  const onDisk = isFile(options.path)
  if (onDisk) {
    // Directories made here are private; an existing one keeps the mode its owner chose (it may
    // be shared with other things), which is why the files themselves are made private too.
    mkdirSync(dirname(options.path), { recursive: true, mode: PRIVATE_DIRECTORY_MODE })
    // SQLite gives the WAL, shared-memory and journal files the database file's mode, so the
    // database is created 0600 before SQLite opens it. Not the process umask: it is process-wide
    // (another fiber creating an export at that moment would get it too) and worker threads,
    // where the WAL checkpointer opens its connection, may not change it.
    closeSync(openSync(options.path, "a", PRIVATE_FILE_MODE))
    restrictToOwner(options.path)
  }
  const db = new DatabaseSync(options.path)
  try {
    // busy_timeout first: switching a fresh file to WAL takes a write lock, and two processes
    // opening one data directory at once (two `serve` on a shared store) would otherwise have
    // the loser fail at once with "database is locked" instead of waiting its turn.
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5_000))}`)
    // WAL: readers never block the writer and a commit is one append to the -wal file
    // (no rollback journal to write and delete), which is what makes ~30k commits/s possible.
    db.exec("PRAGMA journal_mode = WAL")
    // synchronous=NORMAL: with WAL, a commit is written to the WAL but not fsynced; the WAL is
    // fsynced at checkpoints. A crash of the *process* (SIGKILL, OOM) loses nothing, since the
    // OS still has the written pages and the next open replays the WAL. Only an OS crash or
    // power cut may lose the last few transactions (never corrupt the file). FULL would fsync
    // on every commit and cost an order of magnitude in throughput; the factory's guarantee
    // ("a job the API accepted is never lost") is against process crashes and dependency
    // outages, and off-site backups cover the machine.
    db.exec("PRAGMA synchronous = NORMAL")
    db.exec("PRAGMA foreign_keys = ON")
    // Sidecars left by an older version (0644) outlive this open: SQLite only sets the mode of new ones.
    if (onDisk) for (const suffix of SIDECAR_SUFFIXES) restrictToOwner(`${options.path}${suffix}`)
  } catch (error) {
    db.close()
    throw error
  }
  return db
}
