/**
 * The project a load test enqueues to: named in the reserved `nf-load-` namespace (users cannot
 * create such slugs, so a load test never writes into a user's project, and its jobs stay out of
 * the real-work metrics and alerts), created through the API as a `load-test` project, and
 * removed when the run ends — whether it passed, failed or was interrupted.
 */
import { Data, Effect } from "effect"
import { LOAD_SLUG_PREFIX } from "../../domain/Project.ts"
import { describeClientError, statusOfFailure } from "../../http/FactoryClient.ts"
import { callFactory, type FactoryCallOptions } from "./FactoryCalls.ts"

/** A fresh slug per run, so runs never collide: `nf-load-20250105-040000-1a2b`. */
export const loadSlug = (now: number, random: number): string => {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15).toLowerCase()
  return `${LOAD_SLUG_PREFIX}${stamp}-${(Math.floor(random * 0x10000) & 0xffff).toString(16).padStart(4, "0")}`
}

/** The factory would not create the load-test project. */
export class LoadProjectRefused extends Data.TaggedError("LoadProjectRefused")<{ readonly message: string }> {}

/** `POST /api/v1/projects` with `purpose: load-test`; any answer but 201 stops the run before it starts. */
export const createLoadProject = (options: FactoryCallOptions & { readonly slug: string; readonly genre: string }): Effect.Effect<void, LoadProjectRefused> =>
  callFactory(options, (client) =>
    client.projects.create({ payload: { slug: options.slug, genre: options.genre, title: `Load test ${options.slug}`, purpose: "load-test" } })
  ).pipe(
    Effect.asVoid,
    Effect.mapError((error) => new LoadProjectRefused({ message: `creating the load-test project '${options.slug}': ${describeClientError(error)}` })),
  )

export type Cleanup =
  | { readonly _tag: "Removed"; readonly slug: string }
  /** The factory has no `DELETE /api/v1/projects/:slug` (yet): the project and its jobs stay. */
  | { readonly _tag: "Unsupported"; readonly slug: string; readonly status: number; readonly detail: string }
  | { readonly _tag: "Failed"; readonly slug: string; readonly message: string }

/**
 * `DELETE /api/v1/projects/:slug?force=true` (the project, its episodes and its jobs; forced: the run
 * is over, so a job still in flight is the load test's own). Never fails: what happened is the answer.
 */
export const removeLoadProject = (options: FactoryCallOptions & { readonly slug: string }): Effect.Effect<Cleanup> =>
  callFactory(options, (client) => client.projects.delete({ params: { slug: options.slug }, query: { force: "true" } })).pipe(
    Effect.as<Cleanup>({ _tag: "Removed", slug: options.slug }),
    Effect.catch((error) => {
      const status = statusOfFailure(error)
      // 405: the path serves GET only; 501: an API without the route
      if (status === 405 || status === 501) return Effect.succeed<Cleanup>({ _tag: "Unsupported", slug: options.slug, status, detail: describeClientError(error) })
      return Effect.succeed<Cleanup>({ _tag: "Failed", slug: options.slug, message: `DELETE: ${describeClientError(error)}` })
    }),
  )

/** One line for the operator. */
export const describeCleanup = (cleanup: Cleanup): string => {
  switch (cleanup._tag) {
    case "Removed":
      return `removed the load-test project ${cleanup.slug}`
    case "Unsupported":
      return `left the load-test project ${cleanup.slug} behind: this factory cannot delete projects yet (DELETE answered HTTP ${cleanup.status}: ${cleanup.detail}); its jobs stay queued`
    case "Failed":
      return `could not remove the load-test project ${cleanup.slug}: ${cleanup.message}`
  }
}
