/**
 * A planning world for tests: a project from a shipped template in a SQLite story store, its outline
 * store on the same database, a planner and the settings, and `runEpisodes` standing in for the
 * worker (ask the beat, "commit" it: mark it written and apply its markers to the Bible).
 */
import { Effect, Layer } from "effect"
import type { Bible } from "../../src/domain/Bible.ts"
import type { Project } from "../../src/domain/Project.ts"
import { BeatSource, type BeatAnswer, isHold } from "../../src/planner/BeatSource.ts"
import { OutlineStore } from "../../src/planner/OutlineStore.ts"
import { Planner } from "../../src/planner/Planner.ts"
import { type PlanningConfig, PlanningSettings } from "../../src/planner/PlanningConfig.ts"
import { SqliteOutlineStore } from "../../src/planner/SqliteOutlineStore.ts"
import { Database } from "../../src/sqlite/Database.ts"
import * as SqliteStoryStore from "../../src/story/SqliteStoryStore.ts"
import { StoryStore } from "../../src/story/StoryStore.ts"
import { parseBeat } from "../../src/templates/BeatMarkers.ts"
import { loadTemplate, projectFromTemplate } from "../../src/templates/TemplateLoader.ts"

export const templateProject = (name: string, slug = "story", seed = 11) =>
  Effect.map(loadTemplate(name), ({ template }) => projectFromTemplate(template, { slug, seed, now: 0 }))

export const worldLayer = (planner: Layer.Layer<Planner, never, never>, planning: PlanningConfig = {}) => {
  const db = Database.layer({ path: ":memory:" })
  const stores = Layer.mergeAll(SqliteStoryStore.layer, SqliteOutlineStore.layer).pipe(Layer.provide(db))
  return BeatSource.layer.pipe(
    Layer.provideMerge(Layer.mergeAll(stores, planner, PlanningSettings.layer(planning))),
  )
}

/** The Bible after an episode's markers: deaths and returns, as a commit would record them. */
export const applyMarkers = (bible: Bible, beat: string): Bible => {
  const { markers } = parseBeat(beat)
  return {
    ...bible,
    characters: bible.characters.map((c) => {
      const m = markers.find((x) => x._tag === "Status" && x.character === c.id)
      return m !== undefined && m._tag === "Status" ? { ...c, status: m.status } : c
    }),
  }
}

export const createStory = (project: Project, bible: Bible) =>
  Effect.gen(function* () {
    const store = yield* StoryStore
    yield* store.createProject(project, bible)
  })

/** Writes episodes `from`–`to` in order as the worker would; stops at the first hold. */
export const runEpisodes = (slug: string, from: number, to: number, bible: Bible) =>
  Effect.gen(function* () {
    const source = yield* BeatSource
    const outlines = yield* OutlineStore
    const answers: Array<BeatAnswer & { episode: number }> = []
    let current = bible
    for (let n = from; n <= to; n++) {
      const answer = yield* source.beatFor(slug, n, current)
      answers.push({ ...answer, episode: n })
      if (isHold(answer)) break
      yield* outlines.markWritten(slug, n)
      current = applyMarkers(current, answer.beat)
    }
    return { answers, bible: current }
  })
