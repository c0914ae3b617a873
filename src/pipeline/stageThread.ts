/**
 * The body of a stage thread (see `StageThreads.ts`): answers each call with the stage's result,
 * or with the error it threw.
 */
import { parentPort, workerData } from "node:worker_threads"
import { Effect } from "effect"
import type { GuardVerdict } from "../domain/Episode.ts"
import type { EpisodeFingerprint } from "../guard/Fingerprint.ts"
import { splitEpisode } from "../domain/EpisodeText.ts"
import type { Bible } from "../domain/Bible.ts"
import { type AnalyzeRequest, runStageCall, type StageCall, warmUpStages } from "./Stages.ts"

/** A guard call's recent episodes come by id, with the texts this thread does not hold yet. */
interface GuardByRef {
  readonly op: "guard"
  readonly input: Omit<Extract<StageCall, { op: "guard" }>["input"], "recent">
  readonly recentRefs: ReadonlyArray<{ readonly number: number; readonly id: number }>
  readonly texts: ReadonlyArray<{ readonly id: number; readonly body: string; readonly summary: string | undefined }>
  readonly forget: ReadonlyArray<number>
  /** The guard's `history` (absent: none) by id, with the fingerprints this thread does not hold yet. */
  readonly historyRefs?: ReadonlyArray<number>
  readonly fingerprints?: ReadonlyArray<{ readonly id: number; readonly fingerprint: EpisodeFingerprint }>
  readonly forgetFingerprints?: ReadonlyArray<number>
  /** The id of this draft's `analyzeDraft` call here: its Bible is the one to analyse the edited body against. */
  readonly analysisOf?: number
}

interface Request {
  readonly id: number
  readonly call: Exclude<StageCall, { op: "guard" }> | GuardByRef
  /** After an accepted guard call: edit the draft, and analyse the edited body too, unasked. */
  readonly speculate?: boolean
}

/** Recent episodes' texts by id, kept until the main thread says to forget them. */
const texts = new Map<number, { readonly body: string; readonly summary: string | undefined }>()
/** Committed episodes' fingerprints by id, likewise. */
const fingerprints = new Map<number, EpisodeFingerprint>()

/**
 * The Bibles of recent `analyzeDraft` calls, by call id, oldest first: a draft's guard call names the
 * one its edited body is to be analysed against. A few jobs' worth; one forgotten only costs that
 * job an `analyze` message.
 */
const analysisBibles = new Map<number, { readonly bible: Bible; readonly episode: number }>()
const KEPT_ANALYSIS_BIBLES = 64

const resolve = (id: number, call: Request["call"]): StageCall => {
  if (call.op === "analyzeDraft") {
    analysisBibles.set(id, { bible: call.request.bible, episode: call.request.episode })
    if (analysisBibles.size > KEPT_ANALYSIS_BIBLES) analysisBibles.delete(analysisBibles.keys().next().value!)
  }
  if (call.op !== "guard") return call
  for (const gone of call.forget) texts.delete(gone)
  for (const t of call.texts) texts.set(t.id, { body: t.body, summary: t.summary })
  const recent = call.recentRefs.map((r) => {
    const t = texts.get(r.id)
    if (t === undefined) throw new Error(`stage thread: no texts for recent episode ${r.number} (id ${r.id})`)
    return { number: r.number, body: t.body, summary: t.summary }
  })
  if (call.historyRefs === undefined) return { op: "guard", input: { ...call.input, recent } }
  for (const gone of call.forgetFingerprints ?? []) fingerprints.delete(gone)
  for (const f of call.fingerprints ?? []) fingerprints.set(f.id, f.fingerprint)
  const history = call.historyRefs.map((id) => {
    const f = fingerprints.get(id)
    if (f === undefined) throw new Error(`stage thread: no fingerprint ${id} of the guard's history`)
    return f
  })
  return { op: "guard", input: { ...call.input, recent, history } }
}

const port = parentPort
if (port === null) throw new Error("stageThread.ts runs as a worker thread")

// Calls that arrive meanwhile wait in the port until the listener below is attached.
const warmUp = (workerData as { readonly warmUp?: number } | null)?.warmUp ?? 0
await Effect.runPromise(warmUpStages(warmUp).pipe(Effect.ignore))
port.postMessage({ ready: true })

const errorOf = (error: unknown) =>
  error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : { message: String(error) }

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: ReturnType<typeof errorOf> }

const attempt = (run: () => unknown): Outcome => {
  try {
    return { ok: true, value: run() }
  } catch (error) {
    return { ok: false, error: errorOf(error) }
  }
}

port.on("message", (request: Request) => {
  const { id, speculate } = request
  let call: StageCall
  try {
    call = resolve(id, request.call)
  } catch (error) {
    port.postMessage({ id, ok: false, error: errorOf(error), skipped: speculate === true })
    return
  }
  const done = attempt(() => runStageCall(call))
  if (speculate !== true || call.op !== "guard" || !done.ok || !(done.value as GuardVerdict).accepted) {
    port.postMessage({ id, ...done, skipped: speculate === true })
    return
  }
  // accepted: the edit and the analysis the job asks for next, in the same message (one wake-up)
  const markdown = call.input.text
  const language = call.input.project.language
  const edit = attempt(() => runStageCall({ op: "edit", markdown, language }))
  const analysisOf = request.call.op === "guard" ? request.call.analysisOf : undefined
  const against = analysisOf === undefined ? undefined : analysisBibles.get(analysisOf)
  if (analysisOf !== undefined) analysisBibles.delete(analysisOf)
  const analyzed = edit.ok && against !== undefined
    ? attempt(() => {
      const analyze: AnalyzeRequest = { text: splitEpisode(edit.value as string, against.episode).body, bible: against.bible, episode: against.episode }
      return runStageCall({ op: "analyze", request: analyze })
    })
    : undefined
  port.postMessage({ id, ...done, edit, analyzed })
})
