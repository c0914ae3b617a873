import { Data, Deferred, Effect, Fiber } from "effect"
import { EventBus } from "../../src/events/EventBus.ts"
import type { FactoryEvent, SupervisionEvent } from "../../src/events/FactoryEvent.ts"
import { ChildSpec, type RestartType } from "../../supervisors/ChildSpec.ts"

/** The failure our puppets crash with; `n` tells incarnations apart. */
export class Boom extends Data.TaggedError("Boom")<{ readonly child: string; readonly n: number }> {}

export type Command = "crash" | "exit" | "interrupt"

/**
 * Puppet children: each incarnation logs `start:id`, parks until the test sends
 * it a command, and logs `stop:id` from a finalizer (so shutdown order shows).
 * A command reaches only the incarnation running now; it is dropped otherwise,
 * like a crash that could not happen to a child that is not running.
 */
export const makePuppets = () => {
  const log: Array<string> = []
  const fibers: Array<Fiber.Fiber<unknown, unknown>> = []
  const inboxes = new Map<string, Deferred.Deferred<Command>>()
  let crashes = 0

  const child = (id: string, restart: RestartType = "permanent", options?: { readonly graceMs?: number }) =>
    ChildSpec.make(
      id,
      Effect.gen(function* () {
        const inbox = yield* Deferred.make<Command>()
        inboxes.set(id, inbox)
        fibers.push(Fiber.getCurrent()!)
        log.push(`start:${id}`)
        yield* Effect.addFinalizer(() =>
          Effect.sync(() => {
            if (inboxes.get(id) === inbox) inboxes.delete(id)
            log.push(`stop:${id}`)
          })
        )
        const command = yield* Deferred.await(inbox)
        if (command === "crash") return yield* new Boom({ child: id, n: ++crashes })
        if (command === "interrupt") return yield* Effect.interrupt
      }),
      { restart, graceMs: options?.graceMs },
    )

  /** Sends a command to the running incarnation of `id`; false when none is running. */
  const send = (id: string, command: Command) =>
    Effect.suspend(() => {
      const inbox = inboxes.get(id)
      if (inbox === undefined) return Effect.succeed(false)
      inboxes.delete(id)
      return Effect.as(Deferred.succeed(inbox, command), true)
    })

  const isRunning = (id: string) => inboxes.has(id)

  return { log, fibers, child, send, isRunning }
}

/**
 * Lets every ready fiber run until the system is quiet. Supervision hops through
 * a few fibers (child → mailbox → control loop → siblings), none of them timed.
 */
export const settle = Effect.gen(function* () {
  for (let i = 0; i < 100; i++) yield* Effect.yieldNow
})

export const supervisionEvents = Effect.gen(function* () {
  const bus = yield* EventBus
  const events = yield* bus.recent()
  return events.filter(isSupervisionEvent)
})

const supervisionTags = new Set(["ChildStarted", "ChildExited", "ChildRestarting", "SupervisorEscalated", "BreakerChanged"])
export const isSupervisionEvent = (event: FactoryEvent): event is SupervisionEvent => supervisionTags.has(event._tag)

/** Short text of supervision events for readable assertions: `started a`, `exited b failure` … */
export const describeEvent = (event: SupervisionEvent): string => {
  switch (event._tag) {
    case "ChildStarted":
      return `${event.supervisor} started ${event.child}`
    case "ChildExited":
      return `${event.supervisor} exited ${event.child} ${event.outcome}`
    case "ChildRestarting":
      return `${event.supervisor} restarting ${event.child} #${event.attempt} in ${event.delayMs}`
    case "SupervisorEscalated":
      return `${event.supervisor} escalated`
    case "BreakerChanged":
      return `${event.breaker} ${event.from}->${event.to}`
  }
}
