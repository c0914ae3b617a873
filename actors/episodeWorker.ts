import { Cause, Clock, Effect, Option } from "effect"
import { type Bible, type BibleChanges, emptyBibleChanges } from "../src/domain/Bible.ts"
import { countCharsWithSpaces, type Episode, type GuardFinding, type GuardVerdict } from "../src/domain/Episode.ts"
import type { Job, Lease } from "../src/domain/Job.ts"
import type { Project } from "../src/domain/Project.ts"
import { EventBus } from "../src/events/EventBus.ts"
import { CommitRelay } from "../src/factory/CommitRelay.ts"
import { BudgetGate } from "../src/finance/BudgetGate.ts"
import { withCallContext } from "../src/finance/Ledger.ts"
import type { PipelineStage } from "../src/events/FactoryEvent.ts"
import { splitEpisode } from "../src/domain/EpisodeText.ts"
import { Drain } from "../src/factory/Drain.ts"
import { FaultPoints } from "../src/factory/FaultPoints.ts"
import { Intake } from "../src/factory/Intake.ts"
import { PipelineSettings } from "../src/factory/PipelineSettings.ts"
import { WorkerBoard } from "../src/factory/WorkerBoard.ts"
import { changesFromAnalysis, extractBibleChanges } from "../src/pipeline/BibleChanges.ts"
import { Stages } from "../src/pipeline/Stages.ts"
import { sanitizeDraft } from "../src/pipeline/Sanitize.ts"
import { Analyst } from "../src/analyst/Analyst.ts"
import { Critic, joinVerdicts } from "../src/analyst/Critic.ts"
import { Summarizer } from "../src/analyst/Summarizer.ts"
import type { WriterBrief } from "../src/domain/Brief.ts"
import { bibleAsOf } from "../src/story/BibleTime.ts"
import { BeatSource, isHold } from "../src/planner/BeatSource.ts"
import { OutlineStore } from "../src/planner/OutlineStore.ts"
import type { ThreadMarked } from "../src/domain/Analysis.ts"
import type { Outline, Thread } from "../src/domain/Outline.ts"
import { defaultPlanning, PlanningSettings } from "../src/planner/PlanningConfig.ts"
import { overdueThreads } from "../src/planner/Threads.ts"
import { buildBrief } from "../src/pipeline/Brief.ts"
import { LanguageModel, LlmTransientError } from "../src/llm/LanguageModel.ts"
import { OFFLINE_PROVIDER } from "../src/llm/OfflineWriter.ts"
import {
  appendContinuation, extensionPrompt, lengthOnlyMiss, lengthStep, MAX_LENGTH_MENDS, trimToBand,
} from "../src/pipeline/LengthRepair.ts"
import { type JobPlugins, jobPlugins } from "../src/plugins/Plugins.ts"
import { JobQueue, LeaseLost } from "../src/queue/JobQueue.ts"
import { type EpisodeFingerprint, StaleCommit, StoryStore } from "../src/story/StoryStore.ts"
import { editDraft } from "./editor.ts"
import { guardEpisode } from "./guard.ts"
import { writeDraft } from "./writer.ts"

/** How many committed episodes the guard compares a draft against for repetition. */
const RECENT_EPISODES = 3

const describeError = (error: unknown): string => {
  if (typeof error === "object" && error !== null) {
    const tag = (error as { _tag?: unknown })._tag
    const message = (error as { message?: unknown }).message
    if (typeof message === "string" && message !== "") return typeof tag === "string" ? `${tag}: ${message}` : message
    if (typeof tag === "string") return tag
  }
  return String(error)
}

/** Runs one stage, timing it and publishing `StageFinished` whether it succeeds or fails. */
const stage = <A, E, R>(job: string, name: PipelineStage, body: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const bus = yield* EventBus
    const faults = yield* FaultPoints
    const started = yield* Clock.currentTimeMillis
    const board = yield* Effect.serviceOption(WorkerBoard)
    if (Option.isSome(board)) yield* board.value.stage(job, name)
    const finish = (ok: boolean) =>
      Effect.flatMap(Clock.currentTimeMillis, (at) => bus.publish({ _tag: "StageFinished", at, job, stage: name, ms: at - started, ok }))
    yield* faults.reach(name, job)
    return yield* body.pipe(
      Effect.onExit((exit) => finish(exit._tag === "Success")),
    )
  })

/** The finding a refused answer becomes: the writer sees it with the next draft's brief. */
const refusal = (message: string): { readonly refused: GuardFinding } => ({
  refused: {
    code: "writer.refused",
    category: "language",
    severity: "error",
    message: `${message}: the draft was refused; write this episode so that it passes the provider's content policy`,
  },
})

/** A writer's answer within the stage time-out; none in time is a transient fault (the job is handed back). */
const writerAnswer = <A, E, R>(call: Effect.Effect<A, E, R>, timeoutMs: number) =>
  call.pipe(
    Effect.timeoutOrElse({
      duration: timeoutMs,
      orElse: () => Effect.fail(new LlmTransientError({ message: `the writer gave no answer within ${timeoutMs} ms` })),
    }),
  )

interface Drafted {
  /** The draft after sanitizing: what the guard judged and the editor gets. */
  readonly text: string
  readonly verdict: GuardVerdict
  /** What sanitizing stripped from the writer's answer (kept with the episode, not counted in the reward). */
  readonly stripped: ReadonlyArray<GuardFinding>
  readonly drafts: number
  readonly beat: string
  readonly brief: WriterBrief
}

/** The guard's findings a name or place the draft itself introduces would answer. */
const INTRODUCIBLE: ReadonlySet<string> = new Set(["name.unknown", "place.unknown"])

/** The Bible with the characters and places a draft introduces (provisional), and nothing else of the draft's. */
const withIntroductions = (bible: Bible, changes: BibleChanges): Bible =>
  (changes.newCharacters ?? []).length === 0 && (changes.newPlaces ?? []).length === 0 ? bible : {
    ...bible,
    characters: [...bible.characters, ...(changes.newCharacters ?? []).map((c) => ({ ...c, provisional: true }))],
    places: [...bible.places, ...(changes.newPlaces ?? [])],
  }

interface StoryContext {
  /** The outline's beat for the episode (markers included) and the next one's; absent: the template's beats. */
  readonly beat?: { readonly raw: string; readonly next: string | null; readonly title: string | null }
  readonly project: Project
  /** The Bible as episode n − 1 left it. */
  readonly bible: Bible
  readonly recent: ReadonlyArray<Episode>
  readonly history: ReadonlyArray<EpisodeFingerprint>
  readonly plugins?: JobPlugins
}

/**
 * Writer, sanitize, guard (and critic) in a loop: a rejected draft goes back to the writer with the
 * findings. Each draft's facts are staged as provisional, read by the $0 offline analyst.
 */
const draftUntilAccepted = (lease: Lease, story: StoryContext) =>
  Effect.gen(function* () {
    const queue = yield* JobQueue
    const store = yield* StoryStore
    const bus = yield* EventBus
    const critic = yield* Critic
    const settings = yield* PipelineSettings
    const { project, bible, recent, history, plugins } = story
    const job = lease.job
    let findings: ReadonlyArray<GuardFinding> = job.findings
    let last: Drafted | undefined
    for (let draft = 1; draft <= settings.maxDrafts; draft++) {
      // A claim already puts the job in `writing`; only a redraft goes back to it.
      if (draft > 1) yield* queue.setStage(lease, "writing")
      const brief = buildBrief({
        project,
        bible,
        episode: job.episode,
        previous: recent.length > 0 ? recent[recent.length - 1]! : null,
        recent,
        ...(story.beat === undefined ? {} : { beat: story.beat }),
        draft,
        findingsToFix: findings,
        promptAdditions: plugins?.promptAdditions ?? [],
      })
      // A refused answer (the provider's content filter) is a rejected draft: the writer gets the finding.
      const completion = yield* stage(job.id, "writer", writerAnswer(writeDraft(brief), settings.stageTimeoutMs)).pipe(
        Effect.catchTag("LlmFatalError", (e) => (e.refused === true ? Effect.succeed(refusal(e.message)) : Effect.fail(e))),
      )
      // What a chat model wraps around an episode goes before the guard; the offline writer composes
      // the episode itself, with nothing around it to strip.
      const sanitized = "refused" in completion
        ? { text: "", rejected: true, findings: [completion.refused] }
        : completion.provider === OFFLINE_PROVIDER
        ? { text: completion.text, rejected: false, findings: [] }
        : sanitizeDraft(completion.text, { language: project.language })
      yield* queue.setStage(lease, "guarding")
      /** The guard's (and the critic's) verdict on a text, and the facts it introduces. */
      const judge = (text: string) =>
        Effect.gen(function* () {
          const beat = story.beat?.raw ?? brief.beat
          const guard = (known: Bible) =>
            stage(
              job.id,
              "guard",
              guardEpisode({
                text, project, bible: known, recent, history, episode: job.episode,
                acceptReward: settings.acceptReward,
                extraBannedWords: plugins?.bannedWords ?? [], extraChecks: plugins?.checks ?? [],
              }),
            )
          // The draft's facts staged as provisional: what its beat declares — and, when the guard took
          // a name or a place for an unknown one, what the $0 analyst reads in the draft: a name the
          // draft itself introduces is a newcomer, not an error, and the draft is judged again with it.
          let changes: BibleChanges = extractBibleChanges({ text, bible, episode: job.episode, beat, project })
          let verdict: GuardVerdict = yield* guard(bible)
          if (verdict.findings.some((f) => f.severity === "error" && INTRODUCIBLE.has(f.code))) {
            const analysis = yield* (yield* Stages).analyzeDraft({ text, bible, episode: job.episode })
            changes = changesFromAnalysis({ text, bible, episode: job.episode, beat, project, analysis }).changes
            if ((changes.newCharacters ?? []).length > 0 || (changes.newPlaces ?? []).length > 0) verdict = yield* guard(withIntroductions(bible, changes))
          }
          if (verdict.accepted) verdict = joinVerdicts(verdict, yield* stage(job.id, "critic", critic.judge(brief, text)), settings.acceptReward)
          return { text, verdict, changes }
        })
      let judged = sanitized.rejected
        ? {
          text: sanitized.text,
          verdict: { accepted: false, reward: 0, findings: sanitized.findings.filter((f) => f.severity === "error") },
          changes: emptyBibleChanges,
        }
        : yield* judge(sanitized.text)
      // A draft whose only fault is its length is mended (trimmed, or continued by the writer), not rewritten.
      if (!judged.verdict.accepted) {
        const mended = "refused" in completion
          ? undefined
          : yield* mendLength(brief, judged.text, judged.verdict, completion.provider, settings.stageTimeoutMs, job.id)
        if (mended !== undefined) {
          const again = yield* judge(mended)
          if (again.verdict.accepted) judged = again
        }
      }
      const { verdict, changes: draftChanges } = judged
      // The draft's facts enter the Bible as provisional (shown beside it, never written from)
      // until the episode commits; a redraft replaces them.
      yield* store.stageProvisional(job.project, { episode: job.episode, draft, stagedAt: yield* Clock.currentTimeMillis, changes: draftChanges })
      const stripped = sanitized.rejected ? [] : sanitized.findings
      last = { text: judged.text, verdict, stripped, drafts: draft, beat: story.beat?.raw ?? brief.beat, brief }
      if (verdict.accepted) return { accepted: true, last }
      findings = verdict.findings
      yield* bus.publish({
        _tag: "JobRejected",
        at: yield* Clock.currentTimeMillis,
        job: job.id,
        draft,
        reward: verdict.reward,
        findings: verdict.findings.length,
      })
    }
    return { accepted: false, last: last! }
  })

/**
 * The draft mended when its length is the guard's only complaint: trimmed at a paragraph boundary
 * when too long ($0); when too short, continued by the writer — unless the writer is the offline one,
 * which composes whole episodes only. A continuation that overshoots is trimmed, one that falls
 * short is continued again, up to `MAX_LENGTH_MENDS` steps. Undefined when there is nothing to mend
 * this way.
 */
const mendLength = (brief: WriterBrief, text: string, verdict: GuardVerdict, provider: string, timeoutMs: number, job: string) =>
  Effect.gen(function* () {
    const miss = lengthOnlyMiss(verdict)
    if (miss === undefined || (miss === "short" && provider === OFFLINE_PROVIDER)) return undefined
    const model = yield* LanguageModel
    let mended = text
    for (let step = 0; step < MAX_LENGTH_MENDS; step++) {
      const next = step === 0 ? (miss === "long" ? "trim" : "extend") : lengthStep(mended, brief.lengthBand)
      if (next === "fits") return mended
      if (next === "trim") return trimToBand(mended, brief.lengthBand) ?? (step === 0 ? undefined : mended)
      if (provider === OFFLINE_PROVIDER) return mended
      const continuation = yield* stage(job, "writer", writerAnswer(model.complete({ stage: "writer", messages: extensionPrompt(brief, mended) }), timeoutMs))
      const more = sanitizeDraft(continuation.text, { language: brief.language })
      if (more.text.trim() === "") return step === 0 ? undefined : mended
      mended = appendContinuation(mended, more.text)
    }
    return lengthStep(mended, brief.lengthBand) === "trim" ? trimToBand(mended, brief.lengthBand) ?? mended : mended
  })

/**
 * Wakes the commit relay (when the factory runs one): a commit's `JobCommitted` is in the store's
 * outbox from the commit's own transaction on, and the relay publishes it. Called once the queue
 * heard of the commit (or failed to), so the event follows the job's completion.
 */
const nudgeRelay = (job: Job) =>
  Effect.flatMap(
    Effect.serviceOption(CommitRelay),
    Option.match({ onNone: () => Effect.void, onSome: (relay) => relay.nudge({ project: job.project, episode: job.episode }) }),
  )

/**
 * A job given up: its draft's provisional facts go (best effort — if the store is down they are
 * dropped when the project's next episode is drafted), and `JobDead` is published.
 */
const settleDeadJob = (job: Job, reason: string) =>
  Effect.gen(function* () {
    const bus = yield* EventBus
    const store = yield* StoryStore
    yield* store.discardProvisional(job.project, job.episode).pipe(Effect.ignore)
    const at = yield* Clock.currentTimeMillis
    yield* bus.publish({ _tag: "JobDead", at, job: job.id, project: job.project, episode: job.episode, reason })
  })

/**
 * One delivery of one job: write → guard (→ write again …) → edit → commit → complete.
 * Idempotent end to end: a job whose episode is already committed (a crash between the
 * commit and the queue's acknowledgement) is simply completed.
 */
export const processLease = (lease: Lease) =>
  processDelivery(lease).pipe(withCallContext({ project: lease.job.project, episode: lease.job.episode }))

/** `processLease` without the ledger's call context: every LLM call in it is booked against the job's episode. */
const processDelivery = Effect.fn("worker.processLease")(function* (lease: Lease) {
  const queue = yield* JobQueue
  const store = yield* StoryStore
  const settings = yield* PipelineSettings
  const faults = yield* FaultPoints
  const analyst = yield* Analyst
  const summarizer = yield* Summarizer
  const job = lease.job
  const started = yield* Clock.currentTimeMillis

  // From here on no earlier delivery of this job can commit (see `CommitOptions.fence`).
  yield* store.fenceEpisode(job.project, job.episode, lease.token)
  const already = yield* store.getEpisode(job.project, job.episode)
  if (Option.isSome(already)) {
    // An earlier delivery committed and its queue acknowledgement never happened: its event is in the outbox.
    yield* Effect.ensuring(Effect.andThen(markBeatWritten(job), queue.complete(lease)), nudgeRelay(job))
    return
  }
  const project = yield* store.getProject(job.project)
  if (Option.isNone(project)) {
    const reason = `project '${job.project}' does not exist`
    yield* queue.deadLetter(lease, reason)
    yield* settleDeadJob(job, reason)
    return
  }
  // The writer sees the Bible as the previous episode left it, never a later state.
  const bible = bibleAsOf(yield* store.getBible(job.project), job.episode - 1)
  const recent = yield* store.recentEpisodes(job.project, RECENT_EPISODES)
  const history = yield* store.fingerprints(job.project)

  // The episode's beat from the outline, planned ahead as needed; no beat, no writing: the job waits.
  const beats = yield* Effect.serviceOption(BeatSource)
  let planned: StoryContext["beat"]
  if (Option.isSome(beats)) {
    const answer = yield* beats.value.beatFor(job.project, job.episode, bible)
    if (isHold(answer)) return yield* waitForBeat(lease, answer.hold)
    planned = { raw: answer.beat, next: answer.nextBeat, title: answer.title }
    if (job.reason?.startsWith(NO_BEAT) === true) {
      const at = yield* Clock.currentTimeMillis
      yield* (yield* EventBus).publish({ _tag: "Alert", at, rule: noBeatRule(job.project), state: "resolved", message: `${job.project}: episode ${job.episode} has its beat` })
    }
  }

  // plugins: one snapshot per job, so an edit takes effect for the next job and never mid-job
  const plugins = yield* jobPlugins(job.project, { episode: job.episode, language: project.value.language, genre: project.value.genre })
  const drafted = yield* draftUntilAccepted(lease, { ...(planned === undefined ? {} : { beat: planned }), project: project.value, bible, recent, history, plugins })
  if (!drafted.accepted) {
    const reason = `the guard rejected ${settings.maxDrafts} drafts (last reward ${drafted.last.verdict.reward.toFixed(2)})`
    yield* queue.deadLetter(lease, reason, drafted.last.verdict.findings)
    yield* settleDeadJob(job, reason)
    return
  }
  const { text, verdict, stripped, drafts, beat } = drafted.last

  yield* queue.setStage(lease, "editing")
  const edited = yield* stage(job.id, "editor", Effect.flatMap(editDraft(text, project.value.language), plugins.transform))
  const { title, body } = splitEpisode(edited, job.episode)

  // What the final text changed in the story: provisional until the commit below merges it.
  const threads = yield* openThreadsOf(job.project)
  const analysis = yield* stage(
    job.id,
    "analyst",
    analyst.analyze({ text: body, bible, episode: job.episode, language: project.value.language, ...(threads.length > 0 ? { threads } : {}) }),
  )
  const analysed = changesFromAnalysis({ text: body, bible, episode: job.episode, beat, project: project.value, analysis })
  yield* store.stageProvisional(job.project, { episode: job.episode, draft: drafts, stagedAt: yield* Clock.currentTimeMillis, changes: analysed.changes })
  const summary = yield* stage(
    job.id,
    "summary",
    summarizer.summarize({ title, body, analysis, bible, language: project.value.language }),
  )

  const committedAt = yield* Clock.currentTimeMillis
  const episode: Episode = {
    project: job.project,
    number: job.episode,
    title,
    body,
    summary,
    charCount: countCharsWithSpaces(body),
    findings: [...stripped, ...verdict.findings, ...analysis.findings, ...analysed.findings],
    reward: verdict.reward,
    drafts,
    committedAt,
  }
  yield* stage(
    job.id,
    "commit",
    store.commitEpisode(episode, analysed.changes, {
      fence: lease.token,
      fingerprint: (yield* (yield* Stages).analyze({ text: body, bible, episode: job.episode })).fingerprint,
      job: { id: job.id, durationMs: committedAt - started },
    }),
  )
  // The commit's `JobCommitted` is in the outbox now: whatever happens to the rest, the relay hears of it.
  yield* Effect.gen(function* () {
    yield* faults.reach("committed", job.id)
    yield* markBeatWritten(job, analysis.deltas.flatMap((d) => (d._tag === "ThreadMarked" ? [d] : [])))
    yield* queue.complete(lease)
  }).pipe(Effect.ensuring(nudgeRelay(job)))
})

/**
 * The outline's beat of a committed episode is frozen (idempotent; nothing to do without an outline),
 * and a thread that this very episode made overdue — its payoff `planning.threadOverdueEpisodes`
 * episodes past — raises an alert (`outline.thread-overdue`, with the thread); it resolves when the
 * thread is paid off.
 */
const markBeatWritten = (job: Job, marks: ReadonlyArray<ThreadMarked> = []) =>
  Effect.gen(function* () {
    const outlines = yield* Effect.serviceOption(OutlineStore)
    if (Option.isNone(outlines)) return
    const written = yield* outlines.value.markWritten(job.project, job.episode).pipe(
      Effect.map(Option.some),
      Effect.catchTags({ BeatNotFound: () => Effect.succeedNone, OutlineNotFound: () => Effect.succeedNone }),
    )
    if (Option.isNone(written)) return
    let current: Outline = written.value
    // what the analyst found the text doing to the threads: a hint, or the payoff (whenever it comes)
    for (const mark of marks) {
      const thread: Thread | undefined = current.threads.find((t) => t.id === mark.thread)
      if (thread === undefined || thread.state === "paid") continue
      const next: Thread | undefined = mark.mark === "paid"
        ? { ...thread, state: "paid", paidOffIn: job.episode }
        : mark.mark === "hinted" && job.episode > thread.plantedIn && !thread.hints.includes(job.episode)
        ? { ...thread, hints: [...thread.hints, job.episode] }
        : undefined
      if (next !== undefined) current = yield* outlines.value.upsertThread(job.project, next)
    }
    const threshold = Option.match(yield* Effect.serviceOption(PlanningSettings), {
      onNone: () => defaultPlanning.threadOverdueEpisodes,
      onSome: (p) => p.threadOverdueEpisodes,
    })
    const bus = yield* EventBus
    const at = yield* Clock.currentTimeMillis
    const rule = (id: string) => `outline.thread-overdue:${job.project}:${id}`
    for (const { thread, overdueBy } of overdueThreads(current, job.episode, threshold)) {
      if (overdueBy !== threshold) continue
      yield* bus.publish({
        _tag: "Alert", at, rule: rule(thread.id), state: "firing",
        message: `${job.project}: thread '${thread.id}' (${thread.description}) was to be paid off in episode ${thread.plannedPayoff}, ${overdueBy} episodes ago`,
      })
    }
    for (const thread of current.threads) {
      if (thread.paidOffIn !== job.episode || thread.plannedPayoff === undefined || job.episode - thread.plannedPayoff < threshold) continue
      yield* bus.publish({ _tag: "Alert", at, rule: rule(thread.id), state: "resolved", message: `${job.project}: thread '${thread.id}' paid off in episode ${job.episode}` })
    }
  })

/** The outline's open threads of a project (none without an outline), for the analyst to mark. */
const openThreadsOf = (project: string) =>
  Effect.gen(function* () {
    const outlines = yield* Effect.serviceOption(OutlineStore)
    if (Option.isNone(outlines)) return []
    const outline = yield* outlines.value.get(project)
    return Option.match(outline, {
      onNone: () => [],
      onSome: (o) => o.threads.filter((t) => t.state === "open").map((t) => ({ id: t.id, description: t.description })),
    })
  })

/** How long a job without a beat waits before it asks again (an approval or an operator's beat ends the wait). */
const BEAT_WAIT_MS = 60_000

/**
 * No beat for the episode (the planner failed, or review mode waits for approval): the project is
 * held — the job goes back to the queue without spending a delivery, `ProjectHeld` says why — and
 * nothing is written without a beat.
 */
const waitForBeat = (lease: Lease, reason: string) =>
  Effect.gen(function* () {
    const queue = yield* JobQueue
    const bus = yield* EventBus
    const settings = yield* PipelineSettings
    const job = lease.job
    const held = `${NO_BEAT}${reason}`
    yield* queue.retry(lease, { reason: held, delayMs: Math.max(BEAT_WAIT_MS, settings.retryDelayMs), transient: true })
    const at = yield* Clock.currentTimeMillis
    yield* bus.publish({ _tag: "ProjectHeld", at, project: job.project, episode: job.episode, reason })
    // an alert when the wait starts (or its reason changes), not at every look
    if (job.reason !== held) yield* bus.publish({ _tag: "Alert", at, rule: noBeatRule(job.project), state: "firing", message: reason })
  })

/** The reason a job waiting for its beat is handed back with (and how the next delivery knows it waited). */
const NO_BEAT = "no beat: "
const noBeatRule = (project: string) => `outline.no-beat:${project}`

/** Renews the lease every third of its length; fails with `LeaseLost` when another worker took the job over. */
const keepLeaseAlive = (lease: Lease) =>
  Effect.gen(function* () {
    const queue = yield* JobQueue
    const settings = yield* PipelineSettings
    const every = Math.max(1, Math.floor(settings.leaseMs / 3))
    yield* Effect.sleep(every).pipe(
      Effect.andThen(
        queue.heartbeat(lease, settings.leaseMs).pipe(
          // An outage of the queue's engine is not a lost lease: keep trying until it expires.
          Effect.catchTag("QueueUnavailable", () => Effect.void),
          // A job that is already final was not taken over: this very delivery may have just
          // completed it (a heartbeat sent, or parked on the breaker, across its `complete`).
          // Failing here would win the race and interrupt the delivery between `complete` and
          // its nudge of the commit relay; stop heartbeating instead and let the delivery finish (a
          // delivery that was overtaken fails on its own next queue call, with LeaseLost).
          Effect.catchTag("LeaseLost", (lost) =>
            queue.get(lease.job.id).pipe(
              Effect.flatMap((job) =>
                Option.isSome(job) && (job.value.state === "committed" || job.value.state === "dead") ? Effect.never : Effect.fail(lost)
              ),
              Effect.catchTag("QueueUnavailable", () => Effect.fail(lost)),
            )),
        ),
      ),
      Effect.forever,
    )
  })

const isTransient = (error: { readonly _tag: string }): boolean =>
  error._tag === "LlmTransientError" || error._tag === "StoreUnavailable" || error._tag === "QueueUnavailable" ||
  error._tag === "OutlineUnavailable"

/**
 * Hands a job whose delivery failed back to the queue. Transient faults (outages) give the
 * delivery back, so they never dead-letter a job; a fatal LLM error dead-letters it now.
 */
const settleFailure = (lease: Lease, cause: Cause.Cause<{ readonly _tag: string }>) =>
  Effect.gen(function* () {
    const queue = yield* JobQueue
    const bus = yield* EventBus
    const settings = yield* PipelineSettings
    const job = lease.job
    const failure = cause.reasons.find(Cause.isFailReason)?.error
    const at = yield* Clock.currentTimeMillis
    if (failure && failure._tag === "LlmFatalError") {
      const reason = describeError(failure)
      yield* queue.deadLetter(lease, reason)
      yield* settleDeadJob(job, reason)
      return
    }
    // A crash after the commit (before the queue heard of it) must not spend a delivery:
    // the episode is done, so is the job.
    const store = yield* StoryStore
    const committed = yield* store.getEpisode(job.project, job.episode).pipe(Effect.option, Effect.map(Option.flatten))
    if (Option.isSome(committed)) {
      yield* Effect.ensuring(queue.complete(lease), nudgeRelay(job))
      return
    }
    const transient = failure !== undefined && isTransient(failure)
    const reason = failure ? describeError(failure) : `crashed: ${Cause.pretty(cause).split("\n")[0]}`
    const after = yield* queue.retry(lease, { reason, delayMs: settings.retryDelayMs, transient })
    if (after.state === "dead") {
      yield* settleDeadJob(job, after.reason ?? reason)
    } else {
      yield* bus.publish({ _tag: "JobRetrying", at, job: job.id, reason })
    }
  }).pipe(
    // If the queue is unreachable too, the lease simply expires and the job is delivered again.
    Effect.catch(() => Effect.void),
  )

/**
 * An episode worker: claims the next job, processes it under a heartbeat, and settles it.
 * A crash inside a stage is recorded on the job (a spent delivery) and then re-raised, so
 * the worker's supervisor sees it and restarts the worker after its back-off.
 */
export const episodeWorker = (workerId: string) =>
  Effect.gen(function* () {
    const queue = yield* JobQueue
    const intake = yield* Intake
    const settings = yield* PipelineSettings
    const budget = yield* Effect.serviceOption(BudgetGate)
    const board = yield* Effect.serviceOption(WorkerBoard)
    const onBoard = (report: (board: typeof WorkerBoard.Service) => Effect.Effect<void>) =>
      Option.isSome(board) ? report(board.value) : Effect.void
    const drain = yield* Drain
    // A draining factory claims nothing more; the worker waits here to be stopped.
    const unlessDraining = Effect.flatMap(drain.draining, (draining) => (draining ? Effect.never : Effect.void))
    const runOne = Effect.gen(function* () {
      yield* unlessDraining
      yield* intake.awaitRunning
      // At the daily budget cap a writer waits here, before claiming, so it holds no job while it waits.
      if (Option.isSome(budget)) yield* budget.value.awaitBudget.pipe(Effect.catch(() => Effect.sleep(settings.retryDelayMs)))
      const claimed = yield* queue.claim(workerId, { leaseMs: settings.leaseMs }).pipe(
        Effect.catchTag("QueueUnavailable", () => Effect.as(Effect.sleep(settings.retryDelayMs), Option.none<Lease>())),
      )
      if (Option.isNone(claimed)) {
        yield* Effect.sleep(settings.pollMs)
        return
      }
      const lease = claimed.value
      const handBack = (reason: string) => queue.retry(lease, { reason, delayMs: 0, transient: true }).pipe(Effect.ignore)
      // Claimed as the drain began: not started, so back at once.
      if (!(yield* drain.begin(lease.job.id))) return yield* Effect.andThen(handBack("factory stopping"), Effect.never)
      yield* onBoard((b) => b.claimed(workerId, lease.job))
      // In flight (for the drain) until the job is settled, whichever way.
      return yield* Effect.ensuring(
        Effect.gen(function* () {
          const exit = yield* Effect.exit(
            Effect.raceFirst(processLease(lease), keepLeaseAlive(lease)).pipe(
              // A worker stopped on purpose (shutdown past the drain's grace, pool shrink) hands its
              // job straight back: a transient retry, so no delivery is counted against it.
              Effect.onInterrupt(() => handBack("worker stopped")),
            ),
          )
          if (exit._tag === "Success") return
          const failure = exit.cause.reasons.find(Cause.isFailReason)?.error
          // Overtaken: another delivery holds the job (the queue said so, or the store's fence did).
          if (failure instanceof LeaseLost || failure instanceof StaleCommit) return
          yield* settleFailure(lease, exit.cause as Cause.Cause<{ readonly _tag: string }>)
          if (Cause.hasDies(exit.cause)) return yield* Effect.failCause(exit.cause)
        }),
        Effect.andThen(onBoard((b) => b.idle(workerId)), drain.end(lease.job.id)),
      )
    })
    yield* onBoard((b) => b.idle(workerId))
    return yield* Effect.forever(runOne).pipe(Effect.ensuring(onBoard((b) => b.gone(workerId))))
  })
