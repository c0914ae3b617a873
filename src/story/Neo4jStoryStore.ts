/**
 * `StoryStore` on Neo4j (5+, Community edition is enough) via `neo4j-driver`.
 *
 * The Bible is a graph (see `cypher.ts` for the model and all the Cypher): characters, places,
 * factions and items are `:BibleNode`s, relations are typed edges, events are nodes linked to
 * the characters and the place they involve, episodes are nodes that characters `APPEARS_IN`.
 *
 * - Uniqueness: `Project.slug`, and a `uid` per node (`<slug>/<number>` for episodes), each
 *   under a uniqueness constraint created at start-up (`IF NOT EXISTS`).
 * - Commit: one managed write transaction (`executeWrite`, retried by the driver on transient
 *   errors) locks the project, returns `{committed: false}` for an episode already there,
 *   checks the delivery's fence (`CommitOptions.fence`), MERGEs the episode by uid and applies
 *   its Bible changes only if this very transaction created it (a per-call nonce;
 *   `crypto.randomUUID`, deliberately not Effect's `Random`: two processes seeded alike must
 *   still never share a nonce). The changes merge as `mergeBibleChanges` defines (see
 *   `cypher.ts`). A stale commit throws inside the transaction, so the driver rolls all of it
 *   back (it retries only the server's transient errors) and nothing is written: `StaleCommit`.
 * - Outbox: the new episode carries its `JobCommitted` (`relayPending`, see `cypher.ts`), so the
 *   event is written in the commit's transaction as in the SQLite store.
 * - Errors: an unreachable server, an expired session or any driver failure is
 *   `StoreUnavailable`; a concurrent duplicate `createProject` that trips the slug
 *   constraint is `ProjectExists`.
 *
 * The password defaults to the `NEO4J_PASSWORD` environment variable (user `neo4j`).
 */
import { randomUUID } from "node:crypto"
import type { ManagedTransaction } from "neo4j-driver"
import { Effect, Layer, Option, type Scope } from "effect"
import type { Bible, BibleChanges } from "../domain/Bible.ts"
import type { Episode } from "../domain/Episode.ts"
import * as Q from "./cypher.ts"
import { type Neo4jConnectionOptions, neo4jSession, openNeo4jDriver } from "./Neo4jDriver.ts"
import {
  type CommitOptions,
  type CommitResult,
  ProjectExists,
  ProjectNotFound,
  type ProjectSummary,
  StaleCommit,
  StoreUnavailable,
  StoryStore,
  type StoryStoreShape,
} from "./StoryStore.ts"
import { errorMessage } from "../util/ErrorMessage.ts"

export type Neo4jStoryStoreOptions = Neo4jConnectionOptions


export const isConstraintViolation = (error: unknown): boolean =>
  typeof error === "object" && error !== null && (error as { code?: unknown }).code === "Neo.ClientError.Schema.ConstraintValidationFailed"

const unavailable = (what: string) => (error: unknown) => new StoreUnavailable({ message: `neo4j ${what}: ${errorMessage(error)}`, cause: error })

/** What the commit's work needs of a transaction (a `ManagedTransaction`; a model of one in tests). */
export interface StatementRunner {
  readonly run: (query: string, params: Record<string, unknown>) => PromiseLike<{ readonly records: ReadonlyArray<{ toObject(): object }> }>
}

type Rec = Record<string, unknown>

const rows = async (tx: StatementRunner, query: string, params: Rec): Promise<Array<Rec>> =>
  (await tx.run(query, params)).records.map((r) => r.toObject() as Rec)

const runAll = async (tx: StatementRunner, statements: ReadonlyArray<Q.Statement>) => {
  for (const s of statements) await tx.run(s.query, s.params)
}

/** Thrown inside the commit's transaction work to roll it back; becomes `StaleCommit`. */
export class StaleRefusal extends Error {
  readonly reason: string
  constructor(reason: string) {
    super(reason)
    this.reason = reason
  }
}

/**
 * The commit's transaction work (see the module's comment): what happened, or a `StaleRefusal`
 * thrown — after which the caller's transaction must roll back, as `executeWrite` does.
 * `commitId` is the nonce the new episode carries.
 */
export const commitWork = async (
  tx: StatementRunner,
  episode: Episode,
  changes: BibleChanges,
  options: CommitOptions | undefined,
  commitId: string,
): Promise<"not-found" | "duplicate" | "committed"> => {
  const slug = episode.project
  const n = episode.number
  const uid = Q.episodeUid(slug, n)
  if ((await rows(tx, Q.LOCK_PROJECT, { slug })).length === 0) return "not-found"
  if ((await rows(tx, Q.EPISODE_COMMITTED, { uid }))[0]?.committed === true) {
    // Already committed (a redelivered job): change nothing but drop the draft's facts.
    await tx.run(Q.DELETE_PROVISIONAL, { uid })
    return "duplicate"
  }
  if (options?.fence !== undefined) {
    const state = (await rows(tx, Q.FENCE_FOR_COMMIT, Q.fenceParams(slug, n, options.fence)))[0] ?? {}
    const reason = Q.staleCommitReason(n, options.fence, state)
    if (reason !== undefined) throw new StaleRefusal(reason)
  }
  const merged = await rows(tx, Q.MERGE_EPISODE, { slug, uid, props: Q.episodeProps(episode, options?.fingerprint, options?.job), commitId })
  await tx.run(Q.DELETE_PROVISIONAL, { uid })
  if (merged[0]?.created !== true) return "duplicate"
  const bases = Q.toSequenceBases((await rows(tx, Q.RESERVE_SEQUENCES, Q.reserveParams(slug, changes)))[0] ?? {})
  await runAll(tx, Q.commitChangeStatements(episode, changes, bases))
  return "committed"
}

export const make = (options: Neo4jStoryStoreOptions): Effect.Effect<StoryStoreShape, StoreUnavailable, Scope.Scope> =>
  Effect.gen(function* () {
    const driver = yield* openNeo4jDriver(options, unavailable(`connect to ${options.url}`))

    const session = (mode: "READ" | "WRITE") => neo4jSession(driver, options, mode)

    const write = <A>(what: string, work: (tx: ManagedTransaction) => Promise<A>): Effect.Effect<A, StoreUnavailable> =>
      Effect.tryPromise({
        try: async () => {
          const s = session("WRITE")
          try {
            return await s.executeWrite(work)
          } finally {
            await s.close()
          }
        },
        catch: unavailable(what),
      })

    const read = <A>(what: string, work: (tx: ManagedTransaction) => Promise<A>): Effect.Effect<A, StoreUnavailable> =>
      Effect.tryPromise({
        try: async () => {
          const s = session("READ")
          try {
            return await s.executeRead(work)
          } finally {
            await s.close()
          }
        },
        catch: unavailable(what),
      })

    const projectFound = async (tx: ManagedTransaction, slug: string) => (await rows(tx, Q.PROJECT_EXISTS, { slug }))[0]?.found === true

    // Schema statements run one per transaction (they cannot share one with data writes).
    for (const constraint of Q.CONSTRAINTS) {
      yield* Effect.tryPromise({
        try: async () => {
          const s = session("WRITE")
          try {
            await s.run(constraint)
          } finally {
            await s.close()
          }
        },
        catch: unavailable("schema"),
      })
    }

    const createProject: StoryStoreShape["createProject"] = (project, bible) =>
      Effect.flatMap(
        Effect.tryPromise({
          try: async () => {
            const s = session("WRITE")
            try {
              return await s.executeWrite(async (tx) => {
                if (await projectFound(tx, project.slug)) return "exists" as const
                await runAll(tx, Q.createProjectStatements(project, bible))
                return "created" as const
              })
            } catch (error) {
              // A concurrent creator won the slug constraint.
              if (isConstraintViolation(error)) return "exists" as const
              throw error
            } finally {
              await s.close()
            }
          },
          catch: unavailable("createProject"),
        }),
        (outcome) => (outcome === "exists" ? Effect.fail(new ProjectExists({ slug: project.slug })) : Effect.void),
      )

    const getProject: StoryStoreShape["getProject"] = (slug) =>
      Effect.map(read("getProject", (tx) => rows(tx, Q.GET_PROJECT, { slug })), (rs) =>
        rs.length === 0 ? Option.none() : Option.some(Q.toProject(rs[0].p as Rec))
      )

    const listProjects: StoryStoreShape["listProjects"] = Effect.map(read("listProjects", (tx) => rows(tx, Q.LIST_PROJECTS, {})), (rs) =>
      rs.map((r): ProjectSummary => ({
        project: Q.toProject(r.p as Rec),
        episodes: Q.num(r.episodes),
        lastEpisode: Q.num(r.lastEpisode),
        characters: Q.num(r.characters),
      }))
    )

    const getBible: StoryStoreShape["getBible"] = (slug) =>
      Effect.flatMap(
        read("getBible", async (tx): Promise<Bible | undefined> => {
          const project = await rows(tx, Q.GET_PROJECT, { slug })
          if (project.length === 0) return undefined
          const nodes = async (query: string) => (await rows(tx, query, { slug })).map((r) => r.n as Rec)
          return Q.toBible({
            project: project[0]!.p as Rec,
            characters: await nodes(Q.GET_CHARACTERS),
            places: await nodes(Q.getEntities(Q.ENTITY_LABELS.places)),
            factions: await nodes(Q.getEntities(Q.ENTITY_LABELS.factions)),
            items: await nodes(Q.getEntities(Q.ENTITY_LABELS.items)),
            relations: await rows(tx, Q.GET_RELATIONS, { slug, types: [...Q.RELATION_TYPES] }),
            events: await nodes(Q.GET_EVENTS),
            statusHistory: await nodes(Q.GET_STATUS_HISTORY),
            facts: await nodes(Q.GET_FACTS),
          })
        }),
        (bible) => (bible === undefined ? Effect.fail(new ProjectNotFound({ slug })) : Effect.succeed(bible)),
      )

    const commitEpisode: StoryStoreShape["commitEpisode"] = (episode, changes, options) => {
      const slug = episode.project
      const n = episode.number
      return Effect.flatMap(
        Effect.tryPromise({
          try: async () => {
            const s = session("WRITE")
            try {
              // A fresh nonce per attempt: the driver may run the work again after a transient error.
              return await s.executeWrite((tx) => commitWork(tx, episode, changes, options, randomUUID()))
            } catch (error) {
              if (error instanceof StaleRefusal) return error
              throw error
            } finally {
              await s.close()
            }
          },
          catch: unavailable("commitEpisode"),
        }),
        (outcome): Effect.Effect<CommitResult, ProjectNotFound | StaleCommit> => {
          if (outcome instanceof StaleRefusal) return Effect.fail(new StaleCommit({ slug, episode: n, reason: outcome.reason }))
          if (outcome === "not-found") return Effect.fail(new ProjectNotFound({ slug }))
          return Effect.succeed({ committed: outcome === "committed" })
        },
      )
    }

    const fenceEpisode: StoryStoreShape["fenceEpisode"] = (slug, episode, token) =>
      Effect.map(write("fenceEpisode", (tx) => rows(tx, Q.FENCE_EPISODE, Q.fenceParams(slug, episode, token))), (rs) => rs[0]?.newest === true)

    const pendingCommits: StoryStoreShape["pendingCommits"] = (limit) =>
      Effect.map(
        read("pendingCommits", (tx) => rows(tx, Q.PENDING_COMMITS, { limit: Q.neoInt(Math.max(0, Math.floor(limit))) })),
        (rs) => rs.map((r) => Q.toPendingCommit(r.n as Rec)),
      )

    const acknowledgeCommits: StoryStoreShape["acknowledgeCommits"] = (commits) =>
      commits.length === 0
        ? Effect.void
        : Effect.asVoid(write("acknowledgeCommits", (tx) => tx.run(Q.ACKNOWLEDGE_COMMITS, { uids: commits.map((c) => Q.episodeUid(c.project, c.episode)) })))

    const fingerprints: StoryStoreShape["fingerprints"] = (slug) =>
      Effect.map(read("fingerprints", (tx) => rows(tx, Q.GET_FINGERPRINTS, { slug })), (rs) => rs.map(Q.toFingerprint))

    const stageProvisional: StoryStoreShape["stageProvisional"] = (slug, facts) =>
      Effect.flatMap(
        write("stageProvisional", async (tx) => {
          if (!(await projectFound(tx, slug))) return false
          await tx.run(Q.DROP_EARLIER_PROVISIONAL, { slug, episode: Q.neoInt(facts.episode) })
          await tx.run(Q.STAGE_PROVISIONAL, { slug, uid: Q.episodeUid(slug, facts.episode), props: Q.provisionalProps(slug, facts) })
          return true
        }),
        (found) => (found ? Effect.void : Effect.fail(new ProjectNotFound({ slug }))),
      )

    const provisionalFacts: StoryStoreShape["provisionalFacts"] = (slug) =>
      Effect.map(read("provisionalFacts", (tx) => rows(tx, Q.GET_PROVISIONAL, { slug })), (rs) => rs.map((r) => Q.toProvisional(r.n as Rec)))

    const discardProvisional: StoryStoreShape["discardProvisional"] = (slug, episode) =>
      Effect.asVoid(write("discardProvisional", (tx) => tx.run(Q.DELETE_PROVISIONAL, { uid: Q.episodeUid(slug, episode) })))

    const getEpisode: StoryStoreShape["getEpisode"] = (slug, number) =>
      Effect.map(read("getEpisode", (tx) => rows(tx, Q.GET_EPISODE, { uid: Q.episodeUid(slug, number) })), (rs) =>
        rs.length === 0 ? Option.none() : Option.some(Q.toEpisode(rs[0].n as Rec))
      )

    const listEpisodes: StoryStoreShape["listEpisodes"] = (slug) =>
      Effect.map(read("listEpisodes", (tx) => rows(tx, Q.LIST_EPISODES, { slug })), (rs) => rs.map(Q.toEpisodeSummary))

    const recentEpisodes: StoryStoreShape["recentEpisodes"] = (slug, count) => {
      const n = Math.max(0, Math.floor(count))
      if (n === 0) return Effect.succeed([])
      return Effect.map(read("recentEpisodes", (tx) => rows(tx, Q.RECENT_EPISODES, { slug, count: Q.neoInt(n) })), (rs) =>
        rs.map((r) => Q.toEpisode(r.n as Rec))
      )
    }

    const deleteProject: StoryStoreShape["deleteProject"] = (slug) =>
      Effect.map(
        write("deleteProject", async (tx) => {
          for (const query of Q.DELETE_PROJECT_NODES) await tx.run(query, { slug })
          return rows(tx, Q.DELETE_PROJECT, { slug })
        }),
        (rs) => Number(rs[0]?.deleted ?? 0) > 0,
      )

    return StoryStore.of({
      createProject,
      getProject,
      listProjects,
      getBible,
      commitEpisode,
      fenceEpisode,
      pendingCommits,
      acknowledgeCommits,
      fingerprints,
      stageProvisional,
      provisionalFacts,
      discardProvisional,
      getEpisode,
      listEpisodes,
      recentEpisodes,
      deleteProject,
    })
  })

/** Scoped: one driver (connection pool), verified and schema-checked at start, closed with the scope. */
export const layer = (options: Neo4jStoryStoreOptions): Layer.Layer<StoryStore, StoreUnavailable> => Layer.effect(StoryStore, make(options))

export const Neo4jStoryStore = { make, layer } as const
