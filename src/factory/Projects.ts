import { Clock, Context, Data, Effect, Layer, Random } from "effect"
import { CANARY_SLUG, isReservedSlug, LOAD_SLUG_PREFIX, type Project, RESERVED_SLUG_PREFIX } from "../domain/Project.ts"
import { type ProjectExists, type StoreUnavailable, StoryStore } from "../story/StoryStore.ts"
import { listTemplates, loadTemplate, projectFromTemplate, type TemplateError } from "../templates/TemplateLoader.ts"

export class UnknownGenre extends Data.TaggedError("UnknownGenre")<{
  readonly genre: string
  readonly known: ReadonlyArray<string>
}> {
  override get message() {
    return `unknown genre '${this.genre}'; known genres: ${this.known.join(", ")}`
  }
}

/** A slug in the factory's reserved namespace (`nf-…`) asked for by a user, or synthetic work's project outside its own part of it. */
export class ReservedSlug extends Data.TaggedError("ReservedSlug")<{ readonly slug: string; readonly purpose: ProjectPurpose }> {
  override get message() {
    switch (this.purpose) {
      case "user":
        return `the slug '${this.slug}' is reserved: slugs starting '${RESERVED_SLUG_PREFIX}' belong to the factory's own synthetic work (canary, load tests); choose another`
      case "load-test":
        return `a load-test project's slug must start '${LOAD_SLUG_PREFIX}', got '${this.slug}'`
      case "canary":
        return `the canary's project is '${CANARY_SLUG}', got '${this.slug}'`
    }
  }
}

/**
 * Who a project is for. `user` (the default) may not take a reserved slug; a `load-test`
 * project must be named `nf-load-…` and the `canary` project `nf-canary`. The API accepts
 * `load-test` (the `load` command creates its projects through it); `canary` is for the
 * factory's own canary only.
 */
export type ProjectPurpose = "user" | "load-test" | "canary"

export interface NewProject {
  readonly slug: string
  readonly genre: string
  readonly title?: string | undefined
  readonly purpose?: ProjectPurpose | undefined
}

/** Whether a slug fits the purpose: reserved slugs only for the synthetic work they are reserved for. */
export const slugAllowedFor = (slug: string, purpose: ProjectPurpose): boolean => {
  switch (purpose) {
    case "user":
      return !isReservedSlug(slug)
    case "load-test":
      return slug.startsWith(LOAD_SLUG_PREFIX)
    case "canary":
      return slug === CANARY_SLUG
  }
}

export interface ProjectsShape {
  readonly genres: Effect.Effect<ReadonlyArray<string>, TemplateError>
  /** Seeds a new project's Bible and outline from its genre template; a user's slug may not be reserved. */
  readonly create: (
    input: NewProject,
  ) => Effect.Effect<Project, ReservedSlug | UnknownGenre | TemplateError | ProjectExists | StoreUnavailable>
}

export class Projects extends Context.Service<Projects, ProjectsShape>()("novel-factory/Projects") {
  static readonly layer = Layer.effect(
    Projects,
    Effect.gen(function* () {
      const store = yield* StoryStore
      const genres = Effect.map(listTemplates(), (entries) => entries.map((e) => e.name))
      return Projects.of({
        genres,
        create: Effect.fn("Projects.create")(function* (input: NewProject) {
          const purpose = input.purpose ?? "user"
          if (!slugAllowedFor(input.slug, purpose)) return yield* new ReservedSlug({ slug: input.slug, purpose })
          const known = yield* genres
          if (!known.includes(input.genre)) return yield* new UnknownGenre({ genre: input.genre, known })
          const { template } = yield* loadTemplate(input.genre)
          const seed = yield* Random.nextIntBetween(1, 2 ** 31 - 1)
          const now = yield* Clock.currentTimeMillis
          const { project, bible } = projectFromTemplate(template, { slug: input.slug, title: input.title, seed, now })
          yield* store.createProject(project, bible)
          return project
        }),
      })
    }),
  )
}
