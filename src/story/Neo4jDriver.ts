/**
 * A `neo4j-driver` connection for the Neo4j adapters (the story store, the outline store): reached
 * (connectivity verified) before it is handed out, so a server that is down fails the layer at once,
 * with timeouts so an outage fails fast, and closed with its scope.
 */
import neo4j, { type Driver, type Session } from "neo4j-driver"
import { Effect, type Scope } from "effect"

export interface Neo4jConnectionOptions {
  /** `neo4j://host:7687` or `bolt://host:7687` (`+s` for TLS). */
  readonly url: string
  /** Default `neo4j`. */
  readonly user?: string
  /** Default: the `NEO4J_PASSWORD` environment variable. */
  readonly password?: string
  /** Default: the server's default database. */
  readonly database?: string
  /** Connect / acquire timeout, so an outage fails fast. Default 5 s. */
  readonly connectionTimeoutMs?: number
}

export const openNeo4jDriver = <E>(options: Neo4jConnectionOptions, failure: (error: unknown) => E): Effect.Effect<Driver, E, Scope.Scope> => {
  const timeout = options.connectionTimeoutMs ?? 5_000
  return Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const d = neo4j.driver(options.url, neo4j.auth.basic(options.user ?? "neo4j", options.password ?? process.env.NEO4J_PASSWORD ?? ""), {
          disableLosslessIntegers: true,
          connectionTimeout: timeout,
          connectionAcquisitionTimeout: timeout,
          maxTransactionRetryTime: timeout,
        })
        try {
          await d.verifyConnectivity(options.database === undefined ? {} : { database: options.database })
        } catch (error) {
          await d.close()
          throw error
        }
        return d
      },
      catch: failure,
    }),
    (d) => Effect.promise(() => d.close().catch(() => undefined)),
  )
}

/** A session on the configured database. */
export const neo4jSession = (driver: Driver, options: Neo4jConnectionOptions, mode: "READ" | "WRITE"): Session =>
  driver.session({ defaultAccessMode: mode === "READ" ? neo4j.session.READ : neo4j.session.WRITE, ...(options.database === undefined ? {} : { database: options.database }) })
