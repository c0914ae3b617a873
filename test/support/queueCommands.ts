/**
 * The random commands the queue properties draw (`test/sqlite/queue.property.test.ts`, and the
 * Redis-against-SQLite differential in `test/redis/`): workers claiming, completing, retrying,
 * heartbeating and crashing, enqueues and gaps, the clock moving on, and operations on leases
 * handed back long ago ("stale"); with \`operator\`, also an operator's retries, skips, cancels,
 * holds, resumes and deletes. Workers and projects are indices into the test's own lists; an
 * operator's \`pick\` chooses one of the project's episodes: half the time the one it waits on (its
 * head), else any (now and then one that does not exist).
 */
import fc from "fast-check"

export type QueueCommand<StaleOp extends string> =
  | { readonly t: "enqueue"; readonly p: number; readonly count: number; readonly overlap: boolean }
  | { readonly t: "gap"; readonly p: number }
  | { readonly t: "claim"; readonly w: number; readonly leaseMs: number }
  | { readonly t: "crash"; readonly w: number }
  | { readonly t: "advance"; readonly ms: number }
  | { readonly t: "complete"; readonly w: number }
  | { readonly t: "retry"; readonly w: number; readonly transient: boolean; readonly delayMs: number }
  | { readonly t: "heartbeat"; readonly w: number; readonly leaseMs: number }
  | { readonly t: "stage"; readonly w: number; readonly stage: "guarding" | "editing" }
  | { readonly t: "deadLetter"; readonly w: number }
  | { readonly t: "stale"; readonly g: number; readonly op: StaleOp }
  | { readonly t: "retryJob"; readonly p: number; readonly pick: number }
  | { readonly t: "skipJob"; readonly p: number; readonly pick: number }
  | { readonly t: "cancel"; readonly p: number; readonly from: number | null }
  | { readonly t: "hold"; readonly p: number }
  | { readonly t: "resume"; readonly p: number }
  | { readonly t: "deleteProject"; readonly p: number; readonly force: boolean }

/** The episode an operator command's \`pick\` names, in a project whose highest episode is \`highest\` and whose head is \`head\`. */
export const pickedEpisode = (pick: number, highest: number, head: number | undefined): number =>
  pick % 2 === 0 && head !== undefined ? head : (Math.floor(pick / 2) % (highest + 1)) + 1

export interface QueueCommandOptions<StaleOp extends string> {
  readonly workers: number
  readonly projects: number
  /** What a stale lease is used for. */
  readonly staleOps: ReadonlyArray<StaleOp>
  /** Now and then an enqueue of 10–20 episodes at once (a batch that crosses trim steps). */
  readonly bigEnqueues?: boolean
  /** Operator actions too (drawn after the others, so runs without them replay their old seeds). */
  readonly operator?: boolean
}

/** The commands with their weights, for `fc.oneof(...)` (a test may add its own beside them). */
export const queueCommands = <StaleOp extends string>(
  options: QueueCommandOptions<StaleOp>,
): Array<fc.WeightedArbitrary<QueueCommand<StaleOp>>> => {
  const worker = fc.integer({ min: 0, max: options.workers - 1 })
  const project = fc.integer({ min: 0, max: options.projects - 1 })
  const leaseMs = fc.constantFrom(500, 1_000, 5_000)
  const few = fc.integer({ min: 1, max: 3 })
  const count = options.bigEnqueues === true
    ? fc.oneof({ weight: 4, arbitrary: few }, { weight: 1, arbitrary: fc.integer({ min: 10, max: 20 }) })
    : few
  return [
    { weight: 4, arbitrary: fc.record({ t: fc.constant("enqueue" as const), p: project, count, overlap: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant("gap" as const), p: project }) },
    { weight: 6, arbitrary: fc.record({ t: fc.constant("claim" as const), w: worker, leaseMs }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant("crash" as const), w: worker }) },
    { weight: 3, arbitrary: fc.record({ t: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 3_000 }) }) },
    { weight: 4, arbitrary: fc.record({ t: fc.constant("complete" as const), w: worker }) },
    {
      weight: 3,
      arbitrary: fc.record({ t: fc.constant("retry" as const), w: worker, transient: fc.boolean(), delayMs: fc.constantFrom(0, 100, 1_000) }),
    },
    { weight: 2, arbitrary: fc.record({ t: fc.constant("heartbeat" as const), w: worker, leaseMs }) },
    {
      weight: 1,
      arbitrary: fc.record({ t: fc.constant("stage" as const), w: worker, stage: fc.constantFrom("guarding" as const, "editing" as const) }),
    },
    { weight: 1, arbitrary: fc.record({ t: fc.constant("deadLetter" as const), w: worker }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant("stale" as const), g: fc.nat(), op: fc.constantFrom(...options.staleOps) }) },
    ...(options.operator === true ? operatorCommands<StaleOp>(project) : []),
  ]
}

const operatorCommands = <StaleOp extends string>(
  project: fc.Arbitrary<number>,
): Array<fc.WeightedArbitrary<QueueCommand<StaleOp>>> => {
  const pick = fc.nat({ max: 40 })
  return [
    { weight: 2, arbitrary: fc.record({ t: fc.constant("retryJob" as const), p: project, pick }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant("skipJob" as const), p: project, pick }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant("cancel" as const), p: project, from: fc.option(fc.integer({ min: 1, max: 12 }), { nil: null }) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant("hold" as const), p: project }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant("resume" as const), p: project }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant("deleteProject" as const), p: project, force: fc.boolean() }) },
  ]
}
