/**
 * The stages on a pool of worker threads: one thread per core, so that a multi-core machine works
 * on several jobs' drafts at once while the main thread runs the queue, the store, the events and
 * the supervision tree (all of which are cheap next to the guard and the writer).
 *
 * A call is a message with its inputs (structured clone: strings and plain data) and an id; the
 * answer comes back with the id. Calls for one project go to the same thread when it is no busier
 * than the others, so that thread's caches (a project's recent episodes, its Bible's names …)
 * serve it. A thread that dies fails the calls it had (as defects: the job's delivery is retried
 * like any crashed stage) and is replaced.
 */
import { availableParallelism } from "node:os"
import { Worker } from "node:worker_threads"
import { Deferred, Effect, Layer } from "effect"
import { inProcessStages, type StageCall, Stages, type StagesShape } from "./Stages.ts"

/** A stage thread failed: it threw (the error is rebuilt from its name, message and stack) or died. */
export class StageThreadError extends Error {
  override readonly name: string
  constructor(name: string, message: string, stack?: string) {
    super(message)
    this.name = name
    if (stack !== undefined) this.stack = stack
  }
}

interface Answer {
  /** Sent once, after the thread's warm-up. */
  readonly ready?: true
  readonly id: number
  readonly ok: boolean
  readonly value?: unknown
  readonly error?: { readonly name?: string; readonly message: string; readonly stack?: string }
}

interface Slot {
  worker: Worker
  readonly pending: Map<number, (exit: Effect.Effect<unknown>) => void>
}

const THREAD_URL = new URL("./stageThread.ts", import.meta.url)

/** How many threads `auto` means: one per core, none on a single core (the main thread does the work). */
export const autoStageThreads = (): number => {
  const cores = availableParallelism()
  return cores > 1 ? cores : 0
}

/** Owns the threads; `ready` resolves when every first thread has warmed up; `close` terminates them. */
const makePool = (size: number, warmUp: number, allReady: () => void) => {
  let nextId = 0
  let readyCount = 0
  let closed = false
  const slots: Array<Slot> = []

  const spawn = (slot: Slot | undefined): Slot => {
    const worker = new Worker(THREAD_URL, { workerData: { warmUp } })
    const s: Slot = slot ?? { worker, pending: new Map() }
    s.worker = worker
    worker.on("message", (answer: Answer) => {
      if (answer.ready === true) {
        if (slot === undefined && ++readyCount === size) allReady()
        return
      }
      const resume = s.pending.get(answer.id)
      if (resume === undefined) return // the caller was interrupted
      s.pending.delete(answer.id)
      if (answer.ok) resume(Effect.succeed(answer.value))
      else {
        const e = answer.error!
        resume(Effect.die(new StageThreadError(e.name ?? "Error", e.message, e.stack)))
      }
    })
    const fail = (why: string) => {
      if (s.worker !== worker) return
      const waiting = [...s.pending.values()]
      s.pending.clear()
      for (const resume of waiting) resume(Effect.die(new StageThreadError("StageThreadError", why)))
      if (!closed) spawn(s)
    }
    worker.on("error", (error) => fail(`a stage thread failed: ${error instanceof Error ? error.message : String(error)}`))
    worker.on("exit", (code) => fail(`a stage thread exited (code ${code})`))
    return s
  }

  for (let i = 0; i < size; i++) slots.push(spawn(undefined))

  const home = (key: string): number => {
    let h = 0
    for (let i = 0; i < key.length; i++) h = (Math.imul(h, 31) + key.charCodeAt(i)) | 0
    return (h >>> 0) % slots.length
  }

  /** The key's home thread unless another one has less to do. */
  const pick = (key: string | undefined): Slot => {
    const preferred = key === undefined ? -1 : home(key)
    let best = 0
    let bestLoad = Infinity
    for (let i = 0; i < slots.length; i++) {
      const load = slots[i]!.pending.size * 2 + (i === preferred ? 0 : 1)
      if (load < bestLoad) {
        bestLoad = load
        best = i
      }
    }
    return slots[best]!
  }

  const run = <A>(call: StageCall, key: string | undefined): Effect.Effect<A> =>
    Effect.callback<A>((resume) => {
      const slot = pick(key)
      const id = nextId++
      slot.pending.set(id, resume as (exit: Effect.Effect<unknown>) => void)
      slot.worker.postMessage({ id, call })
      return Effect.sync(() => {
        slot.pending.delete(id)
      })
    })

  const close = Effect.promise(async () => {
    closed = true
    await Promise.all(slots.map((s) => s.worker.terminate()))
  })

  const stages: StagesShape = {
    compose: (brief) => run({ op: "compose", brief }, brief.project),
    guard: (input) => run({ op: "guard", input }, (input.project as { readonly slug?: string } | undefined)?.slug),
    edit: (markdown, language) => run({ op: "edit", markdown, language }, undefined),
    summarize: (markdown) => run({ op: "summarize", markdown }, undefined),
  }
  return { stages, close }
}

/**
 * `Stages` on `threads` worker threads (started now, stopped with the layer's scope); in-process
 * for 0. `auto` is one per core. With `warmUp` > 0 each thread first runs that many synthetic
 * episodes (see `warmUpStages`), and the layer is ready once they all have.
 */
export const stageThreadsLayer = (threads: number | "auto", options: { readonly warmUp?: number } = {}): Layer.Layer<never> => {
  const size = threads === "auto" ? autoStageThreads() : Math.max(0, Math.floor(threads))
  if (size === 0) return Layer.succeed(Stages, inProcessStages)
  const warmUp = Math.max(0, Math.floor(options.warmUp ?? 0))
  return Layer.effect(
    Stages,
    Effect.gen(function* () {
      const ready = yield* Deferred.make<void>()
      const pool = yield* Effect.acquireRelease(
        Effect.sync(() => makePool(size, warmUp, () => Deferred.doneUnsafe(ready, Effect.void))),
        (pool) => pool.close,
      )
      if (warmUp > 0) yield* Deferred.await(ready)
      return pool.stages
    }),
  )
}
