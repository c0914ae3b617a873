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

/** The services `serve` gives the API, on an in-memory database. */
export const apiServices = Layer.mergeAll(Projects.layer, Intake.layer, FactoryStatus.standalone("test")).pipe(
  Layer.provideMerge(Layer.mergeAll(SqliteStoryStore.layer, SqliteJobQueue.layer({ maxDeliveries: 3 }))),
  Layer.provideMerge(Database.layer({ path: ":memory:" })),
  Layer.provideMerge(EventBus.layer()),
)

export interface StartedApi {
  readonly url: string
  readonly port: number
  /** Publishes on the server's event bus whatever it is given, well-formed or not. */
  readonly publish: (event: unknown) => Promise<void>
  readonly close: () => Promise<void>
}

/** A real API server on a free loopback port, with its own services, until `close`. */
export const startApi = (options: Partial<HttpServerOptions> = {}): Promise<StartedApi> =>
  Effect.runPromise(
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(apiServices, scope)
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
