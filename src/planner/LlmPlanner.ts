/**
 * The LLM planner (`llm.stages.planner`): one arc as structured output (`ArcAnswer`), checked beat by
 * beat like any plan. A beat naming an unknown or dead character, repeating the outline, or an arc of
 * the wrong length is refused with a finding and the arc is asked again with the reasons (bounded);
 * an answer still unusable — or junk the structured retries could not mend — is replaced by the
 * offline planner's arc, with a finding. Outages (`LlmTransientError`, `LlmFatalError`) go up: the
 * caller holds the project rather than write without a beat.
 */
import { Effect } from "effect"
import type { ChatMessage, LanguageModel, LlmFatalError, LlmTransientError } from "../llm/LanguageModel.ts"
import { languageName } from "../llm/Prompt.ts"
import { completeStructured } from "../llm/Structured.ts"
import type { BeatDraft, Thread } from "../domain/Outline.ts"
import {
  ArcAnswer,
  beatRefusal,
  type PlannedArc,
  type PlannerFinding,
  type PlanRequest,
  rememberBeat,
  statusAfterOutline,
  takenOf,
} from "./ArcPlan.ts"
import { planArcOffline } from "./OfflinePlanner.ts"

export interface LlmPlannerOptions {
  /** Whole re-plans after refused beats, beyond the first. Default 2. */
  readonly maxReplans?: number
  /** Structured-output attempts per request (junk answers). Default 3. */
  readonly maxAttempts?: number
}

const SYSTEM = [
  "You are the series planner of a serialized web novel that runs for hundreds of episodes.",
  "Plan the NEXT arc: a title, a goal, and one beat per episode (what happens in that episode, 1–2 sentences, with a short episode title).",
  "Rules:",
  "- Only characters of the roster may act; list the ids of the characters each beat moves in `characters`.",
  "- Dead characters never act or speak; they may only be remembered.",
  "- Never repeat a beat or an episode title of the outline so far: every beat moves the story somewhere new.",
  "- Pay off the open threads that are due (list them in `payoffs` with the 1-based beat that pays them, and in that beat's `threads`).",
  "- `threads` of a beat lists ids of existing threads only.",
  "- A beat may declare a death with the marker [사망: id] at its end.",
].join("\n")

export const renderPlannerPrompt = (request: PlanRequest): ReadonlyArray<ChatMessage> => {
  const { project, outline, bible, from, arcLength } = request
  const status = statusAfterOutline(bible, outline)
  const lastArc = outline.arcs.at(-1)
  const recentBeats = outline.beats.slice(-Math.max(arcLength.min, 10))
  const lines = [
    `# ${project.title}`,
    `Premise: ${outline.premise || project.premise}`,
    "## Arcs so far",
    ...outline.arcs.map((a) => `- ${a.id} (episodes ${a.from}–${a.to}) ${a.title}: ${a.goal}`),
    lastArc === undefined ? "" : `## Recent beats`,
    ...recentBeats.map((b) => `- ${b.episode}${b.title ? ` «${b.title}»` : ""}: ${b.text}`),
    "## Roster (id — name: role, status)",
    ...bible.characters.map((c) => `- ${c.id} — ${c.name}: ${c.role}, ${status.get(c.id) ?? c.status}${c.statusNote ? ` (${c.statusNote})` : ""}`),
    "## Places",
    ...bible.places.map((p) => `- ${p.id} — ${p.name}: ${p.description}`),
    "## Relations",
    ...bible.relations.filter((r) => r.until === undefined).map((r) => `- ${r.from} ${r.type} ${r.to}`),
    "## Recent events",
    ...bible.events.slice(-8).map((e) => `- ${e.episode}: ${e.description}`),
    "## Facts",
    ...(bible.facts ?? []).filter((f) => f.validTo === undefined).slice(-12).map((f) => `- ${f.text}`),
    "## Open threads (id: description, planted in, planned payoff)",
    ...outline.threads.filter((t) => t.state === "open").map((t) => `- ${t.id}: ${t.description} (planted ${t.plantedIn}${t.plannedPayoff ? `, due ${t.plannedPayoff}` : ""})`),
    `## Plan episodes ${from} onwards: between ${arcLength.min} and ${arcLength.max} beats.`,
  ]
  return [
    { role: "system", content: `${SYSTEM}\nWrite titles and beats in ${languageName(project.language)}.` },
    { role: "user", content: lines.filter((l) => l !== "").join("\n") },
  ]
}

type Checked = { readonly arc: PlannedArc } | { readonly refusals: ReadonlyArray<string> }

/** The answer as an arc, or the reasons it is refused. */
export const checkAnswer = (answer: ArcAnswer, request: PlanRequest): Checked => {
  const { outline, bible, from, arcLength } = request
  const refusals: Array<string> = []
  if (answer.beats.length < arcLength.min || answer.beats.length > arcLength.max) {
    refusals.push(`the arc has ${answer.beats.length} beats; it needs between ${arcLength.min} and ${arcLength.max}`)
  }
  if (answer.title.trim() === "") refusals.push("the arc has no title")
  const status = statusAfterOutline(bible, outline)
  const threads = new Set(outline.threads.map((t) => t.id))
  const taken = takenOf(outline, request.writtenTitles)
  const beats: Array<BeatDraft> = []
  answer.beats.forEach((b, i) => {
    const draft: BeatDraft = { text: b.text.trim(), title: b.title.trim(), characters: b.characters, threads: b.threads }
    const why = beatRefusal(draft, status, threads, taken, bible.characters)
    if (why !== undefined) refusals.push(`beat ${i + 1} (episode ${from + i}) is refused: ${why}`)
    rememberBeat(taken, draft)
    beats.push(draft)
  })
  const scheduled: Array<Thread> = []
  for (const p of answer.payoffs) {
    const thread = outline.threads.find((t) => t.id === p.thread)
    if (thread === undefined || thread.state !== "open") refusals.push(`payoff of '${p.thread}': no open thread has that id`)
    else if (p.beat < 1 || p.beat > answer.beats.length) refusals.push(`payoff of '${p.thread}' at beat ${p.beat}: the arc has beats 1–${answer.beats.length}`)
    else scheduled.push({ ...thread, plannedPayoff: from + p.beat - 1 })
  }
  if (refusals.length > 0) return { refusals }
  return { arc: { title: answer.title.trim(), goal: answer.goal.trim(), beats, threads: scheduled, by: "planner:llm", findings: [] } }
}

export const planArcLlm = (
  request: PlanRequest,
  options: LlmPlannerOptions = {},
): Effect.Effect<PlannedArc, LlmTransientError | LlmFatalError, LanguageModel> =>
  Effect.gen(function* () {
    const maxReplans = options.maxReplans ?? 2
    const base = renderPlannerPrompt(request)
    const findings: Array<PlannerFinding> = []
    let messages = base
    for (let round = 0; round <= maxReplans; round++) {
      const answered = yield* completeStructured({
        stage: "planner",
        messages,
        schema: ArcAnswer,
        name: "arc_plan",
        maxAttempts: options.maxAttempts ?? 3,
      }).pipe(Effect.catchTag("StructuredOutputInvalid", (e) => {
        findings.push({ code: "planner.llm.invalid", message: e.message })
        return Effect.succeed(undefined)
      }))
      if (answered === undefined) break
      const checked = checkAnswer(answered.value, request)
      if ("arc" in checked) return { ...checked.arc, findings: [...findings, ...checked.arc.findings] }
      for (const r of checked.refusals) findings.push({ code: "planner.llm.refused", message: r })
      yield* Effect.logWarning(`planner: arc for ${request.project.slug} from episode ${request.from} refused (round ${round + 1}): ${checked.refusals.join("; ")}`)
      messages = [
        ...base,
        { role: "assistant", content: JSON.stringify(answered.value) },
        { role: "user", content: `That plan cannot be used:\n${checked.refusals.map((r) => `- ${r}`).join("\n")}\nPlan the arc again, fixing every point.` },
      ]
    }
    const offline = planArcOffline(request)
    return {
      ...offline,
      findings: [...findings, { code: "planner.llm.fallback", message: `no usable arc from the model; the offline planner planned episodes ${request.from}–${request.from + offline.beats.length - 1}` }, ...offline.findings],
    }
  })
