/**
 * `OutlineStore` on Neo4j (5+, Community edition) via `neo4j-driver`, beside the Neo4j story store.
 * A modification is one managed write transaction: take the outline's write lock, read it, apply the
 * pure edit, write it back (`outlineCypher.ts` holds every statement). No server is available to the
 * test suite: the statements and mappers are unit-tested (`test/planner/outlineCypher.test.ts`).
 */
import type { ManagedTransaction } from "neo4j-driver"
import { Effect, Layer, Result, type Scope } from "effect"
import type { Outline } from "../domain/Outline.ts"
import { type Neo4jConnectionOptions, neo4jSession, openNeo4jDriver } from "../story/Neo4jDriver.ts"
import * as Q from "./outlineCypher.ts"
import { OutlineUnavailable } from "./OutlineErrors.ts"
import { makeOutlineStore, type OutlineBackend, OutlineStore, type OutlineStoreShape } from "./OutlineStore.ts"
import { errorMessage } from "../util/ErrorMessage.ts"

export type Neo4jOutlineStoreOptions = Neo4jConnectionOptions

const unavailable = (what: string) => (error: unknown) => new OutlineUnavailable({ message: `neo4j ${what}: ${errorMessage(error)}`, cause: error })

type Props = Record<string, unknown>

const load = async (tx: ManagedTransaction, project: string): Promise<Outline | undefined> => {
  const series = (await tx.run(Q.readSeries, { project })).records[0]
  if (series === undefined) return undefined
  const column = async (query: string, key: string) => (await tx.run(query, { project })).records.map((r) => r.get(key) as Props)
  return Q.outlineFromRecords(
    project,
    String(series.get("premise") ?? ""),
    await column(Q.readArcs, "a"),
    await column(Q.readBeats, "b"),
    await column(Q.readThreads, "t"),
  )
}

export const make = (options: Neo4jOutlineStoreOptions): Effect.Effect<OutlineStoreShape, OutlineUnavailable, Scope.Scope> =>
  Effect.gen(function* () {
    const driver = yield* openNeo4jDriver(options, unavailable(`connect to ${options.url}`))
    // its own constraints, once connected (`IF NOT EXISTS`)
    yield* Effect.tryPromise({
      try: async () => {
        for (const c of Q.CONSTRAINTS) await driver.executeQuery(c, {}, options.database === undefined ? {} : { database: options.database })
      },
      catch: unavailable(`create the outline's constraints at ${options.url}`),
    })
    const session = (mode: "READ" | "WRITE") => neo4jSession(driver, options, mode)

    const backend: OutlineBackend = {
      remove: (project) =>
        Effect.tryPromise({
          try: async () => {
            const s = session("WRITE")
            try {
              return await s.executeWrite(async (tx) => {
                let deleted = 0
                for (const st of Q.deleteOutline(project)) {
                  const records = (await tx.run(st.query, st.params)).records
                  if (records.length > 0) deleted = Number(records[0]!.get("deleted"))
                }
                return deleted > 0
              })
            } finally {
              await s.close()
            }
          },
          catch: unavailable(`delete the outline of ${project}`),
        }),
      read: (project) =>
        Effect.tryPromise({
          try: async () => {
            const s = session("READ")
            try {
              return await s.executeRead((tx) => load(tx, project))
            } finally {
              await s.close()
            }
          },
          catch: unavailable(`read the outline of ${project}`),
        }),
      modify: <A, E>(project: string, f: (current: Outline | undefined) => Result.Result<{ readonly outline: Outline; readonly value: A }, E>) =>
        Effect.tryPromise({
          try: async () => {
            const s = session("WRITE")
            try {
              return await s.executeWrite(async (tx): Promise<Result.Result<A, E>> => {
                await tx.run(Q.lockOutline(project).query, Q.lockOutline(project).params)
                const current = await load(tx, project)
                const result = f(current)
                if (Result.isFailure(result)) return Result.fail(result.failure)
                if (result.success.outline !== current) {
                  for (const st of Q.saveOutline(result.success.outline)) await tx.run(st.query, st.params)
                }
                return Result.succeed(result.success.value)
              })
            } finally {
              await s.close()
            }
          },
          catch: unavailable(`write the outline of ${project}`),
        }).pipe(Effect.flatMap((r) => (Result.isSuccess(r) ? Effect.succeed(r.success) : Effect.fail(r.failure)))),
    }
    return makeOutlineStore(backend)
  })

/** Scoped: one driver, verified and constrained at start, closed with the scope. */
export const layer = (options: Neo4jOutlineStoreOptions): Layer.Layer<OutlineStore, OutlineUnavailable> =>
  Layer.effect(OutlineStore, Effect.map(make(options), OutlineStore.of))

export const Neo4jOutlineStore = { make, layer } as const
