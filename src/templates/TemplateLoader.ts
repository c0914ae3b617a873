/**
 * Genre templates (`templates/genre/*.yaml`): list, load, decode, cross-check, and turn into a new project.
 *
 * A broken template is refused with a `TemplateError` that names the file, the line and the key,
 * e.g. `templates/genre/x.yaml:14: cast[2].name: Expected a non-empty string`.
 */
import { readdir, readFile } from "node:fs/promises"
import { basename, extname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { Data, Effect } from "effect"
import { decodeYaml, formatKey, readYaml, YamlError, yamlError, type YamlIssue } from "../yaml/YamlSource.ts"
import type { Bible, Character } from "../domain/Bible.ts"
import type { Project } from "../domain/Project.ts"
import { GenreTemplate } from "../domain/Template.ts"
import { markerIds, parseBeat } from "./BeatMarkers.ts"

export type TemplateIssue = YamlIssue

/**
 * A template that cannot be used. `message` is the whole diagnostic (`file:line: key: detail`);
 * `issues` holds every problem found, the first of which is the one in `line`, `key` and `message`.
 */
export class TemplateError extends Data.TaggedError("TemplateError")<{
  readonly file: string
  readonly line: number
  readonly key: string
  readonly message: string
  readonly issues: ReadonlyArray<TemplateIssue>
}> {}

/** `templates/genre` of this checkout, found from this module's own location. */
export const defaultTemplateDir: string = fileURLToPath(new URL("../../templates/genre/", import.meta.url))

export interface TemplateEntry {
  /** The file name without extension, e.g. `fantasy_kr`. */
  readonly name: string
  readonly file: string
}

export interface LoadedTemplate {
  readonly file: string
  readonly template: GenreTemplate
}

const fromYamlError = (e: YamlError): TemplateError =>
  new TemplateError({ file: e.file, line: e.line, key: e.key, message: e.message, issues: e.issues })

const makeError = (file: string, issues: ReadonlyArray<TemplateIssue>): TemplateError =>
  fromYamlError(yamlError(file, issues))

/** Checks the schema cannot express: unique ids, known references, a sane length band, usable beats. */
const crossCheck = (t: GenreTemplate): ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> => {
  const problems: Array<{ path: ReadonlyArray<PropertyKey>; message: string }> = []
  const ids = new Map<string, string>()
  const claim = (id: string, path: ReadonlyArray<PropertyKey>) => {
    const prior = ids.get(id)
    if (prior !== undefined) problems.push({ path, message: `Duplicate id '${id}' (already used by ${prior})` })
    else ids.set(id, formatKey(path))
  }
  t.cast.forEach((c, i) => claim(c.id, ["cast", i, "id"]))
  t.places.forEach((p, i) => claim(p.id, ["places", i, "id"]))
  ;(t.factions ?? []).forEach((f, i) => claim(f.id, ["factions", i, "id"]))
  ;(t.items ?? []).forEach((it, i) => claim(it.id, ["items", i, "id"]))

  if (t.lengthBand.min > t.lengthBand.max) {
    problems.push({ path: ["lengthBand", "min"], message: `Expected min ≤ max, got min ${t.lengthBand.min} > max ${t.lengthBand.max}` })
  }

  ;(t.relations ?? []).forEach((r, i) => {
    if (!ids.has(r.from)) problems.push({ path: ["relations", i, "from"], message: `Unknown id '${r.from}'` })
    if (!ids.has(r.to)) problems.push({ path: ["relations", i, "to"], message: `Unknown id '${r.to}'` })
  })

  // A name or alias shared by two characters would make appearances ambiguous.
  const names = new Map<string, string>()
  t.cast.forEach((c, i) => {
    const own = new Set<string>()
    const check = (name: string, path: ReadonlyArray<PropertyKey>) => {
      const n = name.trim()
      if (n.length === 0) return problems.push({ path, message: "Expected a non-empty string" })
      if (own.has(n)) return
      own.add(n)
      const prior = names.get(n)
      if (prior !== undefined) problems.push({ path, message: `Name '${n}' is already used by ${prior}` })
      else names.set(n, c.id)
    }
    check(c.name, ["cast", i, "name"])
    ;(c.aliases ?? []).forEach((a, j) => check(a, ["cast", i, "aliases", j]))
  })

  const banned = t.bannedWords.filter((w) => w.trim().length > 0)
  const characterIds = new Set(t.cast.map((c) => c.id))
  t.cast.forEach((c, i) => {
    for (const w of banned) if (c.name.includes(w)) problems.push({ path: ["cast", i, "name"], message: `Contains the banned word '${w}'` })
  })
  t.beats.forEach((raw, i) => {
    const beat = parseBeat(raw)
    for (const m of beat.malformed) problems.push({ path: ["beats", i], message: `Malformed marker ${m}` })
    for (const m of beat.markers) {
      if (m._tag === "Status" && !characterIds.has(m.character)) {
        problems.push({ path: ["beats", i], message: `Marker refers to unknown character '${m.character}'` })
      }
    }
    for (const id of markerIds(beat.markers.filter((m) => m._tag === "Relation"))) {
      if (!ids.has(id)) problems.push({ path: ["beats", i], message: `Marker refers to unknown id '${id}'` })
    }
    if (beat.text.length === 0) problems.push({ path: ["beats", i], message: "Expected beat text besides its markers" })
    for (const w of banned) if (beat.text.includes(w)) problems.push({ path: ["beats", i], message: `Contains the banned word '${w}'` })
  })
  return problems
}

/**
 * Parses and checks one template's YAML source. Pure: `file` is only used in the error.
 */
export const parseTemplate = (source: string, file: string): Effect.Effect<GenreTemplate, TemplateError> =>
  Effect.suspend(() => {
    const yaml = readYaml(file, source)
    if (yaml instanceof YamlError) return Effect.fail(fromYamlError(yaml))
    const template = decodeYaml(yaml, GenreTemplate)
    if (template instanceof YamlError) return Effect.fail(fromYamlError(template))
    const problems = crossCheck(template)
    if (problems.length > 0) return Effect.fail(makeError(file, problems.map((p) => yaml.issue(p.path, p.message))))
    return Effect.succeed(template)
  })

const isYaml = (f: string) => f.endsWith(".yaml") || f.endsWith(".yml")

/** The templates of a directory (default: this checkout's `templates/genre`), sorted by name. */
export const listTemplates = (dir: string = defaultTemplateDir): Effect.Effect<ReadonlyArray<TemplateEntry>, TemplateError> =>
  Effect.tryPromise({
    try: () => readdir(dir),
    catch: (e) => makeError(dir, [{ line: 0, key: "", message: `cannot list templates: ${String((e as Error)?.message ?? e)}` }]),
  }).pipe(Effect.map((files) =>
    files.filter(isYaml).sort().map((f) => ({ name: basename(f, extname(f)), file: join(dir, f) }))
  ))

/** Reads and checks one template file. */
export const loadTemplateFile = (file: string): Effect.Effect<LoadedTemplate, TemplateError> =>
  Effect.tryPromise({
    try: () => readFile(file, "utf8"),
    catch: (e) => makeError(file, [{ line: 0, key: "", message: `cannot read template: ${String((e as Error)?.message ?? e)}` }]),
  }).pipe(
    Effect.flatMap((source) => parseTemplate(source, file)),
    Effect.map((template) => ({ file, template })),
  )

const normalizeName = (s: string) => s.toLowerCase().replace(/_/g, "-")

/**
 * Loads a template by name (`fantasy_kr`, `fantasy-kr`, or the template's own `name:`) from `dir`,
 * or by path when `nameOrPath` contains a slash or ends in `.yaml`/`.yml`.
 */
export const loadTemplate = (
  nameOrPath: string,
  options: { readonly dir?: string } = {},
): Effect.Effect<LoadedTemplate, TemplateError> => {
  if (nameOrPath.includes("/") || nameOrPath.includes("\\") || isYaml(nameOrPath)) return loadTemplateFile(nameOrPath)
  const dir = options.dir ?? defaultTemplateDir
  return listTemplates(dir).pipe(Effect.flatMap((entries) => {
    const wanted = normalizeName(nameOrPath)
    const byFile = entries.find((e) => normalizeName(e.name) === wanted)
    if (byFile !== undefined) return loadTemplateFile(byFile.file)
    // Fall back to the `name:` declared inside the files.
    return Effect.forEach(entries, (e) => loadTemplateFile(e.file).pipe(Effect.option)).pipe(
      Effect.flatMap((loaded) => {
        const hit = loaded.find((o) => o._tag === "Some" && normalizeName(o.value.template.name) === wanted)
        return hit !== undefined && hit._tag === "Some"
          ? Effect.succeed(hit.value)
          : Effect.fail(makeError(join(dir, `${nameOrPath}.yaml`), [{
            line: 0,
            key: "",
            message: `no template '${nameOrPath}' (available: ${entries.map((e) => e.name).join(", ") || "none"})`,
          }]))
      }),
    )
  }))
}

/** Loads every template of a directory; fails on the first broken one. */
export const loadAllTemplates = (dir: string = defaultTemplateDir): Effect.Effect<ReadonlyArray<LoadedTemplate>, TemplateError> =>
  listTemplates(dir).pipe(Effect.flatMap((entries) => Effect.forEach(entries, (e) => loadTemplateFile(e.file))))

export interface NewProjectOptions {
  readonly slug: string
  /** Defaults to the template's title. */
  readonly title?: string
  readonly seed: number
  /** Epoch milliseconds (take it from Effect's `Clock`). */
  readonly now: number
}

/**
 * A new project and its initial Bible from a template. Pure. The beats keep their markers
 * (the brief builder strips them; `extractBibleChanges` reads them). The slug is not validated here:
 * `Project` decoding (the store) does that.
 */
export const projectFromTemplate = (
  template: GenreTemplate,
  options: NewProjectOptions,
): { readonly project: Project; readonly bible: Bible } => {
  const project: Project = {
    slug: options.slug,
    title: options.title ?? template.title,
    genre: template.genre,
    language: template.language ?? "ko",
    seed: options.seed,
    premise: template.premise,
    tone: template.tone,
    styleRules: [...template.styleRules],
    bannedWords: template.bannedWords.filter((w) => w.trim().length > 0),
    lengthBand: { min: template.lengthBand.min, max: template.lengthBand.max },
    beats: [...template.beats],
    createdAt: options.now,
  }
  const characters: Array<Character> = template.cast.map((c) => ({
    id: c.id,
    name: c.name,
    aliases: [...(c.aliases ?? [])],
    role: c.role,
    status: c.status ?? "alive",
    traits: [...c.traits],
    firstEpisode: 0,
  }))
  const bible: Bible = {
    characters,
    places: template.places.map((p) => ({ ...p })),
    factions: (template.factions ?? []).map((f) => ({ ...f })),
    items: (template.items ?? []).map((i) => ({ ...i })),
    worldRules: [...template.worldRules],
    relations: (template.relations ?? []).map((r) => ({ from: r.from, to: r.to, type: r.type, since: 0 })),
    events: [],
  }
  return { project, bible }
}
