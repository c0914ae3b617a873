/**
 * WAL checkpoints off the main thread.
 *
 * In WAL mode a commit appends pages to the -wal file, and the connection whose commit takes the
 * WAL past `wal_autocheckpoint` pages copies them back into the database file and fsyncs both,
 * inside that commit. A running factory writes some 40 pages an episode, so the main thread (which
 * runs every fiber) stalled ~8 ms in one commit out of ~25, each stall idling the stage threads
 * too: about 4-7 % of the pipeline's wall time, measured. A thread with its own connection now
 * checkpoints every `everyMs` (PASSIVE: it never waits for or blocks a writer), and the main
 * connection's own auto-checkpoint stays on at a larger size as the backstop, should the thread
 * fall behind or fail.
 */
import { Worker } from "node:worker_threads"
import { Effect } from "effect"

export interface CheckpointerOptions {
  /** How often the thread checkpoints. Default 200 ms. */
  readonly everyMs?: number
}

/** Pages the writer's own auto-checkpoint waits for when a checkpointer thread runs (~32 MB). */
export const BACKSTOP_PAGES = 8_000
/** SQLite's own default, which the writer goes back to should the thread stop by itself. */
export const INLINE_PAGES = 1_000

const THREAD_URL = new URL("./checkpointThread.ts", import.meta.url)

/**
 * Starts the thread for the database file at `path`, and stops it (closing its connection) with
 * the scope. `onStopped` runs if the thread fails or exits before that, e.g. to have the writer
 * checkpoint for itself again.
 */
export const startCheckpointer = (path: string, options: CheckpointerOptions = {}, onStopped: () => void = () => {}) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const worker = new Worker(THREAD_URL, { workerData: { path, everyMs: Math.max(1, Math.floor(options.everyMs ?? 200)) } })
      const thread = { worker, exited: false, stopping: false }
      // never keeps the process alive on its own
      worker.unref()
      // an error ends the thread: its "exit" follows, and the writer carries on alone
      worker.on("error", () => {})
      worker.once("exit", () => {
        thread.exited = true
        if (!thread.stopping) onStopped()
      })
      return thread
    }),
    (thread) =>
      Effect.promise(async () => {
        thread.stopping = true
        if (thread.exited) return
        thread.worker.postMessage("stop")
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => void thread.worker.terminate().then(() => resolve()), 2_000)
          thread.worker.once("exit", () => {
            clearTimeout(timer)
            resolve()
          })
        })
      }),
  ).pipe(Effect.asVoid)
