import { Clock, Context, Data, Effect, Layer, Random } from "effect"
import type { Project } from "../domain/Project.ts"
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

export interface NewProject {
  readonly slug: string
  readonly genre: string
  readonly title?: string | undefined
}

export interface ProjectsShape {
  readonly genres: Effect.Effect<ReadonlyArray<string>, TemplateError>
  /** Seeds a new project's Bible and outline from its genre template. */
  readonly create: (
    input: NewProject,
  ) => Effect.Effect<Project, UnknownGenre | TemplateError | ProjectExists | StoreUnavailable>
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
