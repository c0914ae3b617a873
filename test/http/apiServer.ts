import { Context, Effect, Exit, Layer, Scope } from "effect"
import { EventBus } from "../../src/events/EventBus.ts"
import type { FactoryEvent } from "../../src/events/FactoryEvent.ts"
import { FactoryStatus } from "../../src/factory/FactoryStatus.ts"
import { Intake } from "../../src/factory/Intake.ts"
import { Projects } from "../../src/factory/Projects.ts"
import { type HttpServerOptions, serveHttp } from "../../src/http/Server.ts"
import { SqliteJobQueue } from "../../src/queue/SqliteJobQueue.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { SqliteStoryStore } from "../../src/story/SqliteStoryStore.ts"
import { SqliteOutlineStore } from "../../src/planner/SqliteOutlineStore.ts"

const servicesWith = (status: Layer.Layer<FactoryStatus>) =>
  Layer.mergeAll(Projects.layer, Intake.layer, status).pipe(
    Layer.provideMerge(Layer.mergeAll(SqliteStoryStore.layer, SqliteJobQueue.layer({ maxDeliveries: 3 }), SqliteOutlineStore.layer)),
    Layer.provideMerge(Database.layer({ path: ":memory:" })),
    Layer.provideMerge(EventBus.layer()),
  )

/** The services `serve` gives the API, on an in-memory database. */
export const apiServices = servicesWith(FactoryStatus.standalone("test"))

/** A factory whose `llm` breaker is open, so it is not ready. */
export const llmDownStatus = Layer.succeed(FactoryStatus)(
  FactoryStatus.of({ version: "test", mode: "test", startedAt: 0, supervision: Effect.succeed(null), dependencies: Effect.succeed([{ name: "llm", state: "open" }]), writer: null }),
)

export interface StartedApi {
  readonly url: string
  readonly port: number
  /** Publishes on the server's event bus whatever it is given, well-formed or not. */
  readonly publish: (event: unknown) => Promise<void>
  readonly close: () => Promise<void>
}

/** A real API server on a free loopback port, with its own services, until `close`. */
export const startApi = (options: Partial<HttpServerOptions> = {}, status: Layer.Layer<FactoryStatus> = FactoryStatus.standalone("test")): Promise<StartedApi> =>
  Effect.runPromise(
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(servicesWith(status), scope)
      const server = yield* serveHttp({ host: "127.0.0.1", port: 0, ...options }).pipe(Effect.provideContext(context), Scope.provide(scope))
      const bus = Context.get(context, EventBus)
      return {
        url: server.url,
        port: server.port,
        publish: (event: unknown) => Effect.runPromise(bus.publish(event as FactoryEvent)),
        close: () => Effect.runPromise(Scope.close(scope, Exit.void)),
      }
    }),
  )
