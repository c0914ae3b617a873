/**
 * The body of the WAL checkpointer thread (see `Checkpointer.ts`): its own connection to the
 * database file, checkpointing (PASSIVE) every `everyMs` until it is sent a message (any: it means stop).
 */
import { parentPort, workerData } from "node:worker_threads"
import { openDatabase } from "./openDatabase.ts"

const port = parentPort
if (port === null) throw new Error("checkpointThread.ts runs as a worker thread")
const { path, everyMs } = workerData as { readonly path: string; readonly everyMs: number }

const db = openDatabase({ path })
const checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)")
const timer = setInterval(() => {
  try {
    checkpoint.get()
  } catch {
    // SQLITE_BUSY or an I/O error: the next round tries again, and the writer's own
    // auto-checkpoint (kept at a larger size) is the backstop
  }
}, everyMs)

port.on("message", () => {
  clearInterval(timer)
  db.close()
  port.close()
})
