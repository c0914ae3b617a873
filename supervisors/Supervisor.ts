import { Cause, Clock, Context, Deferred, Duration, Effect, Exit, Fiber, Option, Queue, type Scope } from "effect"
import { EventBus } from "../src/events/EventBus.ts"
import type { ExitOutcome, SupervisionEvent } from "../src/events/FactoryEvent.ts"
import { type BackoffSchedule, type BackoffTimer, defaultBackoff, makeTimer, stableRunEarnsReset } from "./Backoff.ts"
import type { ChildSpec, RestartType } from "./ChildSpec.ts"
import { emptyWindow, type Intensity, restartsInWindow, type RestartWindow } from "./Intensity.ts"
import { decide, type SiblingView, type Strategy } from "./RestartDecision.ts"
import type { ChildSnapshot, ChildState, SupervisorSnapshot } from "./Snapshot.ts"
import { ChildExitedUnexpectedly, SupervisorEscalation } from "./SupervisorEscalation.ts"
import { DuplicateChild, SupervisorStopped, UnknownChild } from "./SupervisorErrors.ts"

/**
 * What a supervisor is, as plain data. Everything but `name` and `children` has
 * a default (see {@link supervisorDefaults}).
 */
export interface SupervisorSpec<R = never> {
  readonly name: string
  readonly strategy?: Strategy | undefined
  /** At most `maxRestarts` restarts within `within`, else escalate to the parent. */
  readonly intensity?: { readonly maxRestarts: number; readonly within: Duration.Input } | undefined
  /** Delay before each restart of the same child; see `Backoff.ts`. */
  readonly backoff?: BackoffSchedule | undefined
  /** A child that stayed up this long restarts from the base delay again. */
  readonly resetAfter?: Duration.Input | undefined
  /** Started in this order, stopped in the reverse order. */
  readonly children: ReadonlyArray<ChildSpec<any, R>>
}

export const supervisorDefaults = {
  strategy: "one-for-one" as Strategy,
  /**
   * With the default back-off (5, 10, 20, 40, 60 s …) a child that crashes on
   * every start escalates on its 6th restart, about 2 minutes in: long enough to
   * ride out a blip, short enough that a real bug reaches the operator.
   */
  intensity: { maxRestarts: 5, within: "5 minutes" as Duration.Input },
  backoff: defaultBackoff,
  resetAfter: "1 minute" as Duration.Input,
}

/** A running supervisor. Lives as long as the `Scope` it was started in. */
export interface Supervisor<R = never> {
  /** Path from the root supervisor, e.g. `factory/writers`; the `supervisor` of its events. */
  readonly path: string
  /** The tree under this supervisor right now, nested supervisors included. */
  readonly snapshot: Effect.Effect<SupervisorSnapshot>
  /** Adds and starts a child (appended last in the start order). */
  readonly startChild: (spec: ChildSpec<any, R | Scope.Scope>) => Effect.Effect<void, DuplicateChild | SupervisorStopped>
  /** Stops a child (with its grace period) and forgets it; it is not restarted. */
  readonly stopChild: (id: string) => Effect.Effect<void, UnknownChild | SupervisorStopped>
  /** Ids of the children it currently has, in start order. */
  readonly childIds: Effect.Effect<ReadonlyArray<string>>
  /** How many children it currently has. */
  readonly childCount: Effect.Effect<number>
  /** Waits until the supervisor stops: succeeds when its scope closes, fails when it escalates. */
  readonly await: Effect.Effect<void, SupervisorEscalation>
}

/**
 * Where a child may hang its subtree: a nested supervisor started inside a child
 * (directly, or within a worker that runs a pool) attaches its snapshot to that
 * child, and takes the child's path as its parent path.
 */
interface ChildSlot {
  readonly parentPath: string
  readonly childId: string
  readonly attach: (snapshot: Effect.Effect<SupervisorSnapshot>) => void
}

const CurrentChildSlot = Context.Reference<ChildSlot | undefined>("novel-factory/supervisors/CurrentChildSlot", {
  defaultValue: () => undefined,
})

interface ChildRecord<R> {
  spec: ChildSpec<any, R | Scope.Scope>
  state: ChildState
  fiber: Fiber.Fiber<void, unknown> | undefined
  /** Bumped at every start and stop, so stale exits and subtrees are recognised. */
  incarnation: number
  startedAt: number
  restarts: number
  lastError: string | null
  backoff: BackoffTimer
  restartAt: number
  /** Which pending restart group the child waits for; a stale timer carries another token. */
  restartToken: number
  subtree: Effect.Effect<SupervisorSnapshot> | undefined
}

type Message<R> =
  | { readonly _tag: "Exited"; readonly id: string; readonly incarnation: number; readonly exit: Exit.Exit<void, unknown> }
  | { readonly _tag: "RestartDue"; readonly token: number }
  | { readonly _tag: "StartChild"; readonly spec: ChildSpec<any, R | Scope.Scope>; readonly reply: Deferred.Deferred<void, DuplicateChild | SupervisorStopped> }
  | { readonly _tag: "StopChild"; readonly id: string; readonly reply: Deferred.Deferred<void, UnknownChild | SupervisorStopped> }

/** The `ExitOutcome` of the event schema, from an `Exit`. */
export const outcomeOf = (exit: Exit.Exit<unknown, unknown>): ExitOutcome =>
  Exit.isSuccess(exit) ? "success" : Cause.hasInterruptsOnly(exit.cause) ? "interrupted" : "failure"

const toMillis = (input: Duration.Input): number => Duration.toMillis(Duration.fromInputUnsafe(input))

/**
 * Starts a supervisor and its children (in order) in the current `Scope`; when
 * the scope closes, the children are stopped in reverse order, each with its
 * grace period. All decisions are taken by one control fiber reading a mailbox,
 * so there is no locking: child exits, restart timers and `startChild` /
 * `stopChild` requests are messages.
 */
export const start = <Spec extends SupervisorSpec<any>>(
  spec: Spec,
): Effect.Effect<Supervisor<ServicesOf<Spec>>, never, Scope.Scope | EventBus | Exclude<ServicesOf<Spec>, Scope.Scope>> =>
  startTraced(spec)

/**
 * The services the children of a spec need, as a union: inferred from the
 * children so that children with different requirements mix freely.
 */
export type ServicesOf<Spec extends SupervisorSpec<any>> = [Spec["children"][number]] extends [never] ? never
  : Spec["children"][number] extends ChildSpec<any, infer R> ? R
  : never

const startTraced = Effect.fn("Supervisor.start")(function* <R>(spec: SupervisorSpec<R>) {
  const bus = yield* EventBus
  const parentSlot = yield* CurrentChildSlot
  // `factory/writers` for a supervisor child named like its id, `factory/writers/pool` when started inside a worker.
  const path = parentSlot === undefined
    ? spec.name
    : parentSlot.childId === spec.name
    ? `${parentSlot.parentPath}/${spec.name}`
    : `${parentSlot.parentPath}/${parentSlot.childId}/${spec.name}`
  const strategy = spec.strategy ?? supervisorDefaults.strategy
  const intensitySpec = spec.intensity ?? supervisorDefaults.intensity
  const intensity: Intensity = { maxRestarts: intensitySpec.maxRestarts, withinMs: toMillis(intensitySpec.within) }
  const backoffSchedule = spec.backoff ?? supervisorDefaults.backoff
  const resetAfterMs = toMillis(spec.resetAfter ?? supervisorDefaults.resetAfter)

  const mailbox = yield* Queue.unbounded<Message<R>>()
  const done = yield* Deferred.make<void, SupervisorEscalation>()
  const records: Array<ChildRecord<R>> = []
  const timers = new Set<Fiber.Fiber<void>>()
  const stuck = new Set<Fiber.Fiber<void, unknown>>()
  let status: SupervisorSnapshot["status"] = "running"
  let window: RestartWindow = emptyWindow
  let nextToken = 0

  const publish = (event: SupervisionEvent) => bus.publish(event)
  // `records` keeps the start order; the index makes lookups O(1) for supervisors of thousands of children.
  const index = new Map<string, ChildRecord<R>>()
  const find = (id: string) => index.get(id)
  const remove = (id: string) => {
    const record = index.get(id)
    if (record === undefined) return
    index.delete(id)
    records.splice(records.indexOf(record), 1)
  }

  const newRecord = Effect.fnUntraced(function* (childSpec: ChildSpec<any, R | Scope.Scope>) {
    const record: ChildRecord<R> = {
      spec: childSpec,
      state: "stopped",
      fiber: undefined,
      incarnation: 0,
      startedAt: 0,
      restarts: 0,
      lastError: null,
      backoff: yield* makeTimer(backoffSchedule),
      restartAt: 0,
      restartToken: -1,
      subtree: undefined,
    }
    records.push(record)
    index.set(childSpec.id, record)
    return record
  })

  const startRecord = Effect.fnUntraced(function* (record: ChildRecord<R>) {
    record.state = "starting"
    record.subtree = undefined
    const incarnation = ++record.incarnation
    const slot: ChildSlot = {
      parentPath: path,
      childId: record.spec.id,
      attach: (snapshot) => {
        if (record.incarnation === incarnation) record.subtree = snapshot
      },
    }
    record.startedAt = yield* Clock.currentTimeMillis
    // Published before the fork, so that whatever the child publishes itself (a nested supervisor's
    // events) comes after its start in the stream.
    yield* publish({ _tag: "ChildStarted", at: record.startedAt, supervisor: path, child: record.spec.id })
    const fiber = yield* Effect.scoped(record.spec.run).pipe(
      Effect.asVoid,
      Effect.provideService(CurrentChildSlot, slot),
      Effect.forkDetach,
    )
    fiber.addObserver((exit) => {
      Queue.offerUnsafe(mailbox, { _tag: "Exited", id: record.spec.id, incarnation, exit })
    })
    record.fiber = fiber
    record.state = "running"
  })

  /** Interrupt, wait at most the grace period, then stop waiting (forced). */
  const stopRecord = Effect.fnUntraced(function* (record: ChildRecord<R>) {
    const fiber = record.fiber
    const wasBackingOff = record.state === "backing-off"
    record.incarnation++
    record.fiber = undefined
    record.subtree = undefined
    record.restartToken = -1
    record.state = "stopped"
    if (fiber === undefined) {
      // A cancelled restart is reported too, so that the event stream alone tells every child's state.
      if (wasBackingOff) {
        const at = yield* Clock.currentTimeMillis
        yield* publish({ _tag: "ChildExited", at, supervisor: path, child: record.spec.id, outcome: "interrupted", cause: null })
      }
      return
    }
    fiber.interruptUnsafe()
    const graceMs = record.spec.shutdown.graceMs
    const exit = Number.isFinite(graceMs)
      ? yield* Effect.timeoutOption(Fiber.await(fiber), Duration.millis(Math.max(0, graceMs)))
      : Option.some(yield* Fiber.await(fiber))
    const at = yield* Clock.currentTimeMillis
    if (Option.isNone(exit)) {
      stuck.add(fiber)
      fiber.addObserver(() => stuck.delete(fiber))
      yield* publish({
        _tag: "ChildExited",
        at,
        supervisor: path,
        child: record.spec.id,
        outcome: "interrupted",
        cause: `forced down: still running ${graceMs} ms after interruption (uninterruptible region); abandoned`,
      })
      return
    }
    const outcome = outcomeOf(exit.value)
    yield* publish({
      _tag: "ChildExited",
      at,
      supervisor: path,
      child: record.spec.id,
      outcome,
      cause: Exit.isFailure(exit.value) && outcome === "failure" ? Cause.pretty(exit.value.cause) : null,
    })
  })

  const stopAll = Effect.fnUntraced(function* () {
    for (const record of [...records].reverse()) yield* stopRecord(record)
  })

  const escalate = Effect.fnUntraced(function* (
    child: string,
    reason: SupervisorEscalation["reason"],
    cause: Cause.Cause<unknown>,
  ) {
    status = "escalated"
    yield* stopAll()
    yield* publish({ _tag: "SupervisorEscalated", at: yield* Clock.currentTimeMillis, supervisor: path, cause: Cause.pretty(cause) })
    yield* Deferred.fail(done, new SupervisorEscalation({ supervisor: path, child, reason, cause }))
  })

  const startGroup = Effect.fnUntraced(function* (token: number) {
    for (const record of [...records]) {
      if (record.state === "backing-off" && record.restartToken === token) yield* startRecord(record)
    }
  })

  const siblingView = (record: ChildRecord<R>): SiblingView => ({
    id: record.spec.id,
    restart: record.spec.restart,
    status: record.fiber !== undefined ? "active" : record.state === "backing-off" ? "backing-off" : "inactive",
  })

  const onExited = Effect.fnUntraced(function* (record: ChildRecord<R>, exit: Exit.Exit<void, unknown>) {
    const now = yield* Clock.currentTimeMillis
    const outcome = outcomeOf(exit)
    const pretty = Exit.isFailure(exit) && outcome === "failure" ? Cause.pretty(exit.cause) : null
    record.fiber = undefined
    record.subtree = undefined
    record.state = "stopped"
    if (pretty !== null) record.lastError = pretty
    yield* publish({ _tag: "ChildExited", at: now, supervisor: path, child: record.spec.id, outcome, cause: pretty })

    const decision = decide({
      strategy,
      children: records.map(siblingView),
      exited: { id: record.spec.id, restart: record.spec.restart, outcome },
      intensity,
      window,
      now,
    })
    const cause: Cause.Cause<unknown> = Exit.isFailure(exit)
      ? exit.cause
      : Cause.fail(new ChildExitedUnexpectedly({ supervisor: path, child: record.spec.id }))
    switch (decision._tag) {
      case "LetItRest": {
        if (decision.remove) remove(record.spec.id)
        return
      }
      case "Escalate": {
        window = decision.window
        return yield* escalate(record.spec.id, "intensity", cause)
      }
      case "Restart": {
        window = decision.window
        for (const id of decision.stop) {
          const sibling = find(id)
          if (sibling !== undefined) yield* stopRecord(sibling)
        }
        for (const id of decision.remove) remove(id)
        if (stableRunEarnsReset(record.startedAt, now, resetAfterMs)) yield* record.backoff.reset
        const delay = yield* record.backoff.next(cause)
        if (Option.isNone(delay)) return yield* escalate(record.spec.id, "backoff-exhausted", cause)
        const token = ++nextToken
        const attempt = record.backoff.attempt()
        for (const id of decision.restart) {
          const member = find(id)
          if (member === undefined) continue
          member.state = "backing-off"
          member.restartAt = now + delay.value
          member.restartToken = token
          member.restarts++
          yield* publish({ _tag: "ChildRestarting", at: now, supervisor: path, child: id, attempt, delayMs: delay.value })
        }
        if (delay.value <= 0) return yield* startGroup(token)
        const timer = yield* Effect.sleep(Duration.millis(delay.value)).pipe(
          Effect.andThen(Queue.offer(mailbox, { _tag: "RestartDue", token })),
          Effect.asVoid,
          Effect.forkDetach,
        )
        timers.add(timer)
        timer.addObserver(() => timers.delete(timer))
      }
    }
  })

  const handle = Effect.fnUntraced(function* (message: Message<R>) {
    switch (message._tag) {
      case "Exited": {
        const record = find(message.id)
        // Not the incarnation we know: one we stopped ourselves, already accounted for.
        if (record === undefined || record.incarnation !== message.incarnation || record.fiber === undefined) return
        return yield* onExited(record, message.exit)
      }
      case "RestartDue":
        return yield* startGroup(message.token)
      case "StartChild": {
        if (find(message.spec.id) !== undefined) {
          return yield* Deferred.fail(message.reply, new DuplicateChild({ supervisor: path, child: message.spec.id }))
        }
        yield* startRecord(yield* newRecord(message.spec))
        return yield* Deferred.succeed(message.reply, undefined)
      }
      case "StopChild": {
        const record = find(message.id)
        if (record === undefined) {
          return yield* Deferred.fail(message.reply, new UnknownChild({ supervisor: path, child: message.id }))
        }
        yield* stopRecord(record)
        remove(message.id)
        return yield* Deferred.succeed(message.reply, undefined)
      }
    }
  })

  /** Requests that arrive once the supervisor has stopped are answered, never left hanging. */
  const drainMailbox = Effect.gen(function* () {
    for (const message of yield* Queue.clear(mailbox)) {
      const stopped = new SupervisorStopped({ supervisor: path })
      if (message._tag === "StartChild") yield* Deferred.fail(message.reply, stopped)
      if (message._tag === "StopChild") yield* Deferred.fail(message.reply, stopped)
    }
  })

  let loopFiber: Fiber.Fiber<void> | undefined
  yield* Effect.addFinalizer(() =>
    Effect.gen(function* () {
      if (loopFiber !== undefined) yield* Fiber.interrupt(loopFiber)
      yield* Fiber.interruptAll([...timers])
      if (status === "running") {
        status = "stopped"
        yield* stopAll()
        yield* Deferred.succeed(done, undefined)
      }
      yield* drainMailbox
    })
  )

  for (const childSpec of spec.children) {
    if (find(childSpec.id) !== undefined) return yield* Effect.die(new DuplicateChild({ supervisor: path, child: childSpec.id }))
    yield* newRecord(childSpec)
  }
  yield* Effect.uninterruptible(Effect.forEach(records, startRecord, { discard: true }))

  const loop = Effect.gen(function* () {
    while (status === "running") {
      const message = yield* Queue.take(mailbox)
      yield* Effect.uninterruptible(handle(message))
    }
    yield* drainMailbox
  }).pipe(
    // A bug in the machinery must not leave the parent waiting for ever.
    Effect.catchCause((cause) =>
      Cause.hasInterruptsOnly(cause) ? Effect.failCause(cause) : Deferred.failCause(done, Cause.die(Cause.squash(cause)))
    ),
    Effect.asVoid,
  )
  loopFiber = yield* Effect.forkDetach(loop)

  const request = <E>(
    message: (reply: Deferred.Deferred<void, E | SupervisorStopped>) => Message<R>,
  ): Effect.Effect<void, E | SupervisorStopped> =>
    Effect.gen(function* () {
      const reply = yield* Deferred.make<void, E | SupervisorStopped>()
      const accepted = yield* Effect.sync(() => status === "running" && Queue.offerUnsafe(mailbox, message(reply)))
      if (!accepted) return yield* new SupervisorStopped({ supervisor: path })
      return yield* Deferred.await(reply)
    })

  const snapshot: Effect.Effect<SupervisorSnapshot> = Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    const children: Array<ChildSnapshot> = []
    for (const record of records) {
      children.push({
        id: record.spec.id,
        restart: record.spec.restart as RestartType,
        state: record.state,
        backoffRemainingMs: record.state === "backing-off" ? Math.max(0, record.restartAt - now) : null,
        restarts: record.restarts,
        lastError: record.lastError,
        subtree: record.subtree === undefined ? null : yield* record.subtree,
      })
    }
    return {
      supervisor: path,
      strategy,
      status,
      restartsInWindow: restartsInWindow(window, now, intensity),
      maxRestarts: intensity.maxRestarts,
      stuckFibers: stuck.size,
      children,
    }
  })

  parentSlot?.attach(snapshot)

  const supervisor: Supervisor<R> = {
    path,
    snapshot,
    startChild: (childSpec) => request<DuplicateChild>((reply) => ({ _tag: "StartChild", spec: childSpec, reply })),
    stopChild: (id) => request<UnknownChild>((reply) => ({ _tag: "StopChild", id, reply })),
    childIds: Effect.sync(() => records.map((record) => record.spec.id)),
    childCount: Effect.sync(() => records.length),
    await: Deferred.await(done),
  }
  return supervisor
})

/**
 * Runs a supervisor until it escalates (fails) or is interrupted (its children
 * are then stopped): the shape of a child, which is how supervisors nest.
 */
export const run = <Spec extends SupervisorSpec<any>>(
  spec: Spec,
): Effect.Effect<void, SupervisorEscalation, EventBus | Exclude<ServicesOf<Spec>, Scope.Scope>> =>
  Effect.scoped(Effect.flatMap(start(spec), (supervisor) => supervisor.await))

/**
 * A supervisor as a child of another supervisor, with id = its name. Its grace
 * defaults to `Infinity` (OTP's `infinity` for supervisors): its own children's
 * grace periods bound its shutdown.
 */
export const child = <Spec extends SupervisorSpec<any>>(
  spec: Spec,
  options?: { readonly restart?: RestartType | undefined; readonly graceMs?: number | undefined },
): ChildSpec<SupervisorEscalation, EventBus | Exclude<ServicesOf<Spec>, Scope.Scope>> => ({
  id: spec.name,
  run: run(spec),
  restart: options?.restart ?? "permanent",
  shutdown: { graceMs: options?.graceMs ?? Number.POSITIVE_INFINITY },
})
