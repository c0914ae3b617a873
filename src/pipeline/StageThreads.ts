/**
 * The stages on a pool of worker threads: one thread per core, so that a multi-core machine works
 * on several jobs' drafts at once while the main thread runs the queue, the store, the events and
 * the supervision tree (all of which are cheap next to the guard, the analyst and the writer).
 *
 * A call is a message with its inputs (structured clone: strings and plain data) and an id; the
 * answer comes back with the id. Calls for one project go to the same thread when it is no busier
 * than the others, so that thread's caches (a project's recent episodes, its Bible's names …)
 * serve it. A thread that dies fails the calls it had (as defects: the job's delivery is retried
 * like any crashed stage) and is replaced.
 *
 * Waking a sleeping thread is the dearest part of a call on a virtual machine (~70-180 µs of the
 * sender's CPU measured here, against ~15 µs for the message itself). So a thread that accepts a
 * draft goes on, unasked, to edit it and to analyse and fingerprint the edited body, and sends
 * those with the verdict (one message back): the job's `edit` and `analyze` calls that follow then
 * find their answer instead of sending a message. The body is analysed against the Bible the
 * draft's own `analyzeDraft` call sent to that thread (the guard's copy of the Bible has the draft's
 * newcomers in it, and no relations), so a guard call goes to the thread that analysed its draft.
 * They are the same pure functions of the same inputs — an answer is used only for exactly the
 * text (and language, or Bible object and episode) it was computed from — so nothing changes but
 * the messages; a plugin that rewrites the edited text simply makes the analysis a call again.
 */
import { availableParallelism } from "node:os"
import { Worker } from "node:worker_threads"
import { Deferred, Effect, Layer } from "effect"
import type { GuardVerdict } from "../domain/Episode.ts"
import type { EpisodeFingerprint } from "../guard/Fingerprint.ts"
import { splitEpisode } from "../domain/EpisodeText.ts"
import type { Bible } from "../domain/Bible.ts"
import {
  analysisBibleOf, type AnalyzeRequest, type AnalyzedText, inProcessStages, rememberingAnalyses, type StageCall, Stages, type StagesShape,
} from "./Stages.ts"
import { errorMessage } from "../util/ErrorMessage.ts"

/** A stage thread failed: it threw (the error is rebuilt from its name, message and stack) or died. */
export class StageThreadError extends Error {
  override readonly name: string
  constructor(name: string, message: string, stack?: string) {
    super(message)
    this.name = name
    if (stack !== undefined) this.stack = stack
  }
}

interface Outcome {
  readonly ok: boolean
  readonly value?: unknown
  readonly error?: { readonly name?: string; readonly message: string; readonly stack?: string }
}

interface Answer extends Outcome {
  /** Sent once, after the thread's warm-up. */
  readonly ready?: true
  readonly id: number
  /** With a guard call's verdict: the thread worked out nothing more (see the module comment) … */
  readonly skipped?: boolean
  /**
   * … or the edit of the accepted draft, and the analysis of the edited body (none if the edit threw,
   * or if the thread no longer held the Bible of the draft's analysis).
   */
  readonly edit?: Outcome
  readonly analyzed?: Outcome
}

interface Slot {
  worker: Worker
  readonly pending: Map<number, (exit: Effect.Effect<unknown>) => void>
  /** Speculations this thread is still working on (they count in its load). */
  readonly speculating: Set<Speculation>
  /** The recent episodes' texts this thread holds, by id, least recently used first. */
  readonly texts: Map<number, true>
  /** Ids it is to drop with the next call. */
  readonly forget: Array<number>
  /** The committed episodes' fingerprints this thread holds, by id, least recently used first … */
  readonly fingerprints: Map<number, true>
  /** … and the ones it is to drop with the next guard call. */
  readonly forgetFingerprints: Array<number>
  /** Whether a thread of this slot has reported ready (a replacement of one that died warming up counts). */
  ready: boolean
}

/** A recent episode as a guard call sends it: by id, with its texts when the thread lacks them. */
interface RecentRef {
  readonly number: number
  readonly id: number
}

/** Texts of recent episodes a thread keeps (each episode is the recent one of three jobs). */
const TEXTS_PER_THREAD = 192

/** Fingerprints a thread keeps (~1 kB each): every episode of a few dozen long stories. */
const FINGERPRINTS_PER_THREAD = 8192

export interface StageThreadsOptions {
  /** Synthetic episodes each thread runs first (see `warmUpStages`). */
  readonly warmUp?: number
  /** Recent episodes' texts each thread keeps (default 192; small in tests, to exercise forgetting). */
  readonly keptTexts?: number
  /** Committed episodes' fingerprints each thread keeps (default 8192; small in tests, to exercise forgetting). */
  readonly keptFingerprints?: number
  /** Told of every call sent to a thread as a message (tests count the calls a speculation spared). */
  readonly onMessage?: (op: StageCall["op"]) => void
}

/** An answer the thread volunteers: absent, known (a success or a defect), or known not to come. */
interface Part {
  exit: Effect.Effect<unknown> | "skipped" | undefined
  readonly waiters: Array<(exit: Effect.Effect<unknown> | "skipped") => void>
}

/** The edit and the analysis a thread works out after accepting the draft `text`. */
interface Speculation {
  readonly id: number
  readonly text: string
  readonly language: string
  readonly slot: Slot
  readonly edit: Part
  readonly analyzed: Part
  /** What the body is analysed against (the draft's `analyzeDraft` call's), if anything. */
  readonly analysis: DraftAnalysis | undefined
  /** The edited body, once the edit is known: what an `analyze` call for it sends. */
  body?: string
}

/** A draft's `analyzeDraft` call: the thread that has its Bible (kept there under the call's id), and for which job. */
interface DraftAnalysis {
  readonly slot: Slot
  /** The thread the slot had then: a replacement holds nothing. */
  readonly worker: Worker
  readonly id: number
  readonly bible: Bible
  readonly episode: number
}

/** Drafts' `analyzeDraft` calls remembered for the guard calls that follow them. */
const MAX_DRAFT_ANALYSES = 256

const rebuild = (e: NonNullable<Answer["error"]>) => new StageThreadError(e.name ?? "Error", e.message, e.stack)

const settle = (part: Part, exit: Effect.Effect<unknown> | "skipped") => {
  if (part.exit !== undefined) return
  part.exit = exit
  for (const waiter of part.waiters.splice(0)) waiter(exit)
}

/** Speculations kept for calls that may follow; older ones are dropped (their calls go out as messages). */
const MAX_SPECULATIONS = 256

const THREAD_URL = new URL("./stageThread.ts", import.meta.url)

/** How many threads `auto` means: one per core, none on a single core (the main thread does the work). */
export const autoStageThreads = (): number => {
  const cores = availableParallelism()
  return cores > 1 ? cores : 0
}

/** Owns the threads; `ready` resolves when every first thread has warmed up; `close` terminates them. */
const makePool = (size: number, warmUp: number, keptTexts: number, keptFingerprints: number, onMessage: (op: StageCall["op"]) => void, allReady: () => void) => {
  let nextId = 0
  let readyCount = 0
  let closed = false
  const slots: Array<Slot> = []

  const spawn = (slot: Slot | undefined): Slot => {
    const worker = new Worker(THREAD_URL, { workerData: { warmUp } })
    const s: Slot = slot ?? {
      worker,
      pending: new Map(),
      speculating: new Set(),
      texts: new Map(),
      forget: [],
      fingerprints: new Map(),
      forgetFingerprints: [],
      ready: false,
    }
    s.worker = worker
    // a new thread holds nothing
    s.texts.clear()
    s.forget.length = 0
    s.fingerprints.clear()
    s.forgetFingerprints.length = 0
    worker.on("message", (answer: Answer) => {
      if (answer.ready === true) {
        if (!s.ready) {
          s.ready = true
          if (++readyCount === size) allReady()
        }
        return
      }
      if (answer.skipped === true || answer.edit !== undefined) volunteered(answer)
      const resume = s.pending.get(answer.id)
      if (resume === undefined) return // the caller was interrupted
      s.pending.delete(answer.id)
      resume(exitOf(answer))
    })
    const fail = (why: string) => {
      if (s.worker !== worker) return
      const waiting = [...s.pending.values()]
      s.pending.clear()
      for (const resume of waiting) resume(Effect.die(new StageThreadError("StageThreadError", why)))
      // what it was still working out will not come: those calls go to a live thread
      for (const spec of s.speculating) {
        settle(spec.edit, "skipped")
        settle(spec.analyzed, "skipped")
      }
      s.speculating.clear()
      if (!closed) spawn(s)
    }
    worker.on("error", (error) => fail(`a stage thread failed: ${errorMessage(error)}`))
    worker.on("exit", (code) => fail(`a stage thread exited (code ${code})`))
    return s
  }

  for (let i = 0; i < size; i++) slots.push(spawn(undefined))

  const home = (key: string): number => {
    let h = 0
    for (let i = 0; i < key.length; i++) h = (Math.imul(h, 31) + key.charCodeAt(i)) | 0
    return (h >>> 0) % slots.length
  }

  /** The key's home thread (or the `preferred` one) unless another one has less to do. */
  const pick = (key: string | undefined, preferredSlot?: Slot): Slot => {
    const preferred = preferredSlot !== undefined ? slots.indexOf(preferredSlot) : key === undefined ? -1 : home(key)
    let best = 0
    let bestLoad = Infinity
    for (let i = 0; i < slots.length; i++) {
      const load = (slots[i]!.pending.size + slots[i]!.speculating.size) * 2 + (i === preferred ? 0 : 1)
      if (load < bestLoad) {
        bestLoad = load
        best = i
      }
    }
    return slots[best]!
  }

  // speculations by id (in order: the oldest first), by draft text, and by edited body
  const specs = new Map<number, Speculation>()
  const byText = new Map<string, Speculation>()
  const byBody = new Map<string, Speculation>()

  const forget = (spec: Speculation) => {
    specs.delete(spec.id)
    if (byText.get(spec.text) === spec) byText.delete(spec.text)
    if (spec.body !== undefined && byBody.get(spec.body) === spec) byBody.delete(spec.body)
    spec.slot.speculating.delete(spec)
  }

  const exitOf = (o: Outcome): Effect.Effect<unknown> => (o.ok ? Effect.succeed(o.value) : Effect.die(rebuild(o.error!)))

  /** What the thread worked out with a guard call's verdict, for the edit and analyze calls to come. */
  const volunteered = (answer: Answer) => {
    const spec = specs.get(answer.id)
    if (spec === undefined) return
    spec.slot.speculating.delete(spec)
    if (answer.edit === undefined) {
      settle(spec.edit, "skipped")
      settle(spec.analyzed, "skipped")
      forget(spec)
      return
    }
    if (answer.edit.ok && answer.analyzed !== undefined) {
      spec.body = splitEpisode(answer.edit.value as string, spec.analysis?.episode ?? 1).body
      byBody.set(spec.body, spec)
    }
    settle(spec.edit, exitOf(answer.edit))
    settle(spec.analyzed, answer.analyzed === undefined ? "skipped" : exitOf(answer.analyzed))
  }

  /** The volunteered answer, or (when it is not coming) the same call as a message. */
  const awaitPart = <A>(part: Part, fallback: Effect.Effect<A>): Effect.Effect<A> =>
    Effect.flatMap(
      Effect.callback<Effect.Effect<unknown> | "skipped">((resume) => {
        if (part.exit !== undefined) return resume(Effect.succeed(part.exit))
        const waiter = (exit: Effect.Effect<unknown> | "skipped") => resume(Effect.succeed(exit))
        part.waiters.push(waiter)
        return Effect.sync(() => {
          const at = part.waiters.indexOf(waiter)
          if (at >= 0) part.waiters.splice(at, 1)
        })
      }),
      (exit) => (exit === "skipped" ? fallback : (exit as Effect.Effect<A>)),
    )

  /*
   * A guard call carries the project's recent episodes, ~45 kB, and each episode is recent for
   * three jobs, which go to the same thread. Each distinct pair of texts gets an id (a Map keyed
   * by the strings: equal texts, same id), a thread is sent the texts of an id once, and it keeps
   * them until told to forget them (this side decides, so both sides agree on what is held). The
   * thread then also hands its checks the same string objects every time, which its caches find
   * at once.
   */
  const textIds = new Map<string, Map<string | undefined, number>>()
  let nextTextId = 0
  const textIdOf = (body: string, summary: string | undefined): number => {
    let bySummary = textIds.get(body)
    if (bySummary === undefined) {
      if (textIds.size >= 512) textIds.clear() // ids are never reused: a forgotten pair just gets a new one
      textIds.set(body, bySummary = new Map())
    }
    let id = bySummary.get(summary)
    if (id === undefined) bySummary.set(summary, id = nextTextId++)
    return id
  }

  /*
   * … and the fingerprints of every committed episode of the project (the guard's `history`), ~1 kB
   * each and growing with the story, likewise: by id, each sent to a thread once. An id is the
   * object's (the store hands out the same objects every time, see `SqliteStoryStore.fingerprints`);
   * a store that does not just costs the messages it did before.
   */
  const fingerprintIds = new WeakMap<EpisodeFingerprint, number>()
  let nextFingerprintId = 0
  const fingerprintIdOf = (fingerprint: EpisodeFingerprint): number => {
    let id = fingerprintIds.get(fingerprint)
    if (id === undefined) fingerprintIds.set(fingerprint, id = nextFingerprintId++)
    return id
  }

  /** Marks `id` as just used by a thread that holds `held`; whether it held it already (if not, it is sent now). */
  const hold = (held: Map<number, true>, id: number): boolean => {
    const had = held.delete(id)
    held.set(id, true)
    return had
  }

  /** The least recently used beyond `limit` go, never one this call refers to (a call may refer to more than are kept). */
  const trim = (held: Map<number, true>, limit: number, referred: ReadonlySet<number>, forget: Array<number>) => {
    for (const old of held.keys()) {
      if (held.size <= limit) break
      if (referred.has(old)) continue
      held.delete(old)
      forget.push(old)
    }
  }

  /** The guard call as it goes to `slot`: recent episodes and fingerprints by id, sent only where the thread lacks them. */
  const guardMessage = (slot: Slot, input: Extract<StageCall, { op: "guard" }>["input"]) => {
    const refs: Array<RecentRef> = []
    const texts: Array<{ readonly id: number; readonly body: string; readonly summary: string | undefined }> = []
    for (const e of input.recent) {
      const id = textIdOf(e.body, e.summary)
      refs.push({ number: e.number, id })
      if (!hold(slot.texts, id)) texts.push({ id, body: e.body, summary: e.summary })
    }
    trim(slot.texts, keptTexts, new Set(refs.map((r) => r.id)), slot.forget)
    const { recent: _, history, ...rest } = input
    if (history === undefined) return { op: "guard" as const, input: rest, recentRefs: refs, texts, forget: slot.forget.splice(0) }
    const historyRefs: Array<number> = []
    const fingerprints: Array<{ readonly id: number; readonly fingerprint: EpisodeFingerprint }> = []
    for (const fingerprint of history) {
      const id = fingerprintIdOf(fingerprint)
      historyRefs.push(id)
      if (!hold(slot.fingerprints, id)) fingerprints.push({ id, fingerprint })
    }
    trim(slot.fingerprints, keptFingerprints, new Set(historyRefs), slot.forgetFingerprints)
    return {
      op: "guard" as const,
      input: rest,
      recentRefs: refs,
      texts,
      forget: slot.forget.splice(0),
      historyRefs,
      fingerprints,
      forgetFingerprints: slot.forgetFingerprints.splice(0),
    }
  }

  /** Drafts' `analyzeDraft` calls by text, oldest first, for the guard calls of those drafts. */
  const draftAnalyses = new Map<string, DraftAnalysis>()

  const speculate = (id: number, slot: Slot, text: string, language: string, analysis: DraftAnalysis | undefined) => {
    const spec: Speculation = {
      id,
      text,
      language,
      slot,
      edit: { exit: undefined, waiters: [] },
      analyzed: { exit: undefined, waiters: [] },
      analysis,
    }
    specs.set(id, spec)
    byText.set(spec.text, spec)
    slot.speculating.add(spec)
    if (specs.size > MAX_SPECULATIONS) {
      for (const old of specs.values()) {
        if (specs.size <= MAX_SPECULATIONS) break
        if (old.edit.waiters.length > 0 || old.analyzed.waiters.length > 0) continue
        settle(old.edit, "skipped")
        settle(old.analyzed, "skipped")
        forget(old)
      }
    }
  }

  const send = <A>(call: StageCall, key: string | undefined): Effect.Effect<A> =>
    Effect.callback<A>((resume) => {
      const slot = pick(key)
      const id = nextId++
      slot.pending.set(id, resume as (exit: Effect.Effect<unknown>) => void)
      onMessage(call.op)
      if (call.op === "analyzeDraft") {
        draftAnalyses.delete(call.request.text)
        draftAnalyses.set(call.request.text, { slot, worker: slot.worker, id, bible: call.request.bible, episode: call.request.episode })
        if (draftAnalyses.size > MAX_DRAFT_ANALYSES) draftAnalyses.delete(draftAnalyses.keys().next().value!)
      }
      if (call.op === "analyze" || call.op === "analyzeDraft") {
        slot.worker.postMessage({ id, call: { op: call.op, request: { ...call.request, bible: analysisBibleOf(call.request.bible) } } })
      } else slot.worker.postMessage({ id, call })
      return Effect.sync(() => {
        slot.pending.delete(id)
      })
    })

  /** A guard call, which goes on (if it accepts) to edit the draft and analyse the edited body: see the module comment. */
  const guard = (input: Extract<StageCall, { op: "guard" }>["input"]): Effect.Effect<GuardVerdict> =>
    Effect.callback<GuardVerdict>((resume) => {
      const analysis = draftAnalyses.get(input.text)
      if (analysis !== undefined) draftAnalyses.delete(input.text)
      // the thread that holds the draft's Bible, if it is still the same thread
      const holder = analysis !== undefined && analysis.slot.worker === analysis.worker ? analysis.slot : undefined
      const slot = pick((input.project as { readonly slug?: string } | undefined)?.slug, holder)
      const id = nextId++
      slot.pending.set(id, resume as (exit: Effect.Effect<unknown>) => void)
      const analyzeWith = slot === holder ? analysis : undefined
      speculate(id, slot, input.text, input.project.language, analyzeWith)
      const message = guardMessage(slot, input)
      onMessage("guard")
      slot.worker.postMessage({ id, call: analyzeWith === undefined ? message : { ...message, analysisOf: analyzeWith.id }, speculate: true })
      return Effect.sync(() => {
        slot.pending.delete(id)
      })
    })

  const edit = (markdown: string, language: string): Effect.Effect<string> => {
    const call = send<string>({ op: "edit", markdown, language }, undefined)
    const spec = byText.get(markdown)
    if (spec === undefined || spec.language !== language) return call
    byText.delete(markdown) // one answer, for one call
    // nothing more to come of it without an analysis
    return spec.analysis === undefined ? Effect.ensuring(awaitPart(spec.edit, call), Effect.sync(() => forget(spec))) : awaitPart(spec.edit, call)
  }

  const analyze = (request: AnalyzeRequest): Effect.Effect<AnalyzedText> => {
    const call = send<AnalyzedText>({ op: "analyze", request }, undefined)
    const spec = byBody.get(request.text)
    if (spec === undefined || spec.analysis === undefined || spec.analysis.bible !== request.bible || spec.analysis.episode !== request.episode) {
      return call
    }
    return Effect.ensuring(awaitPart(spec.analyzed, call), Effect.sync(() => forget(spec)))
  }

  const close = Effect.promise(async () => {
    closed = true
    await Promise.all(slots.map((s) => s.worker.terminate()))
  })

  const stages: StagesShape = {
    compose: (brief) => send({ op: "compose", brief }, brief.project),
    guard,
    edit,
    analyze: rememberingAnalyses(analyze),
    analyzeDraft: (request) => send({ op: "analyzeDraft", request }, undefined),
  }
  return { stages, close }
}

/**
 * `Stages` on `threads` worker threads (started now, stopped with the layer's scope); in-process
 * for 0. `auto` is one per core. With `warmUp` > 0 each thread first runs that many synthetic
 * episodes (see `warmUpStages`), and the layer is ready once they all have.
 */
export const stageThreadsLayer = (threads: number | "auto", options: StageThreadsOptions = {}): Layer.Layer<never> => {
  const size = threads === "auto" ? autoStageThreads() : Math.max(0, Math.floor(threads))
  if (size === 0) return Layer.succeed(Stages, inProcessStages)
  const warmUp = Math.max(0, Math.floor(options.warmUp ?? 0))
  return Layer.effect(
    Stages,
    Effect.gen(function* () {
      const ready = yield* Deferred.make<void>()
      const pool = yield* Effect.acquireRelease(
        Effect.sync(() =>
          makePool(
            size,
            warmUp,
            Math.max(3, options.keptTexts ?? TEXTS_PER_THREAD),
            Math.max(1, options.keptFingerprints ?? FINGERPRINTS_PER_THREAD),
            options.onMessage ?? (() => {}), () => Deferred.doneUnsafe(ready, Effect.void))
        ),
        (pool) => pool.close,
      )
      if (warmUp > 0) yield* Deferred.await(ready)
      return pool.stages
    }),
  )
}
