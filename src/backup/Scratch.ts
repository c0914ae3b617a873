/**
 * Scratch space of backups: the database snapshot and its gzip (together ~1.25× the database),
 * a download being verified. It lives under the data directory (`<data>/.tmp/`), not in the OS
 * temp directory, so its size counts where the database does and a sweep knows where to look.
 *
 * A process killed mid-backup (SIGKILL, OOM) never runs its clean-up, so each scratch
 * directory is named after the process that made it, `.nf-backup-<pid>-XXXXXX`, and a sweep
 * removes those whose process is gone. One made by this process's pid that this process does not
 * hold is a killed run's too (a container restarts its daemon with the same pid), and one older than
 * `maxAgeMs` is removed whoever holds it (the pid may have been reused by an unrelated process).
 */
import { mkdirSync, readdirSync, rmSync, statSync } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { dirname, join } from "node:path"
import { Clock, Effect, type Scope } from "effect"
import { PRIVATE_DIRECTORY_MODE } from "../util/PrivateFiles.ts"

const PREFIX = ".nf-backup-"
const NAME = /^\.nf-backup-(\d+)-[A-Za-z0-9]{6}$/

/** A backup that takes a day is stuck; its scratch is removed even if its pid looks alive. */
export const DEFAULT_SCRATCH_MAX_AGE_MS = 24 * 60 * 60_000

/** The scratch root of a data directory. */
export const scratchRootOf = (dataDir: string): string => join(dataDir, ".tmp")

/** The scratch root next to a database file (`<data>/factory.db` → `<data>/.tmp`). */
export const scratchRootNextTo = (databasePath: string): string => scratchRootOf(dirname(databasePath))

/** Scratch directories this process holds right now: never swept. */
const held = new Set<string>()

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists, it is only not ours to signal
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** A scratch directory in `root`, removed when the scope closes. */
export const makeScratch = (root: string): Effect.Effect<string, Error, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        // private like the data directory: a scratch copy of the database is the database
        mkdirSync(root, { recursive: true, mode: PRIVATE_DIRECTORY_MODE })
        const dir = await mkdtemp(join(root, `${PREFIX}${process.pid}-`))
        held.add(dir)
        return dir
      },
      catch: (error) => new Error(`creating a scratch directory in ${root}: ${(error as Error).message}`),
    }),
    (dir) =>
      Effect.promise(() => rm(dir, { recursive: true, force: true })).pipe(Effect.ensuring(Effect.sync(() => held.delete(dir)))),
  )

export interface SweptScratch {
  readonly path: string
  readonly bytes: number
  readonly why: string
}

const sizeOf = (path: string): number => {
  try {
    const stat = statSync(path)
    if (!stat.isDirectory()) return stat.size
    return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0)
  } catch {
    return 0
  }
}

/**
 * Removes the scratch directories in `root` that killed runs left (see the module comment).
 * Never fails: what cannot be read or removed is left for the next sweep.
 */
export const sweepScratch = (root: string, maxAgeMs: number = DEFAULT_SCRATCH_MAX_AGE_MS): Effect.Effect<ReadonlyArray<SweptScratch>> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) =>
    Effect.sync(() => {
      let names: Array<string>
      try {
        names = readdirSync(root)
      } catch {
        return []
      }
      const swept: Array<SweptScratch> = []
      for (const name of names) {
        const match = NAME.exec(name)
        if (match === null) continue
        const path = join(root, name)
        if (held.has(path)) continue
        const pid = Number(match[1])
        let why: string | undefined
        if (pid === process.pid) why = `left by an earlier run with this process's pid ${pid}`
        else if (!isAlive(pid)) why = `left by process ${pid}, which is gone`
        else {
          let mtime: number
          try {
            mtime = statSync(path).mtimeMs
          } catch {
            continue
          }
          if (now - mtime > maxAgeMs) why = `older than ${Math.round(maxAgeMs / 3_600_000)} h (process ${pid} may be another one by now)`
        }
        if (why === undefined) continue
        const bytes = sizeOf(path)
        try {
          rmSync(path, { recursive: true, force: true })
          swept.push({ path, bytes, why })
        } catch {
          // left for the next sweep
        }
      }
      return swept
    })
  )

/** `2 scratch directories (107.3 MiB) left by killed backups: …` for a log line. */
export const describeSweptScratch = (swept: ReadonlyArray<SweptScratch>): string => {
  const bytes = swept.reduce((sum, s) => sum + s.bytes, 0)
  return `${swept.length} scratch director${swept.length === 1 ? "y" : "ies"} (${(bytes / 1024 / 1024).toFixed(1)} MiB) left by killed backups: ${
    swept.map((s) => `${s.path} (${s.why})`).join("; ")
  }`
}
