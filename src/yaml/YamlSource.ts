/**
 * The one YAML + Schema loader of the project's files (`factory.yaml`, genre templates,
 * `plugins.yaml`): parse, refuse alias bombs, decode with a Schema, and name every problem
 * the same way, `file:line: key: message`, e.g. `templates/genre/x.yaml:14: cast[2].name: Expected a non-empty string`.
 *
 * It never throws: a syntax error, an alias bomb or a value the schema refuses is a `YamlError`
 * with every issue found; the callers wrap it in their own tagged error.
 */
import { isAbsolute, relative, resolve } from "node:path"
import { Cause, Data, Exit, Schema, SchemaIssue } from "effect"
import { type Document, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit } from "yaml"
import { errorMessage } from "../util/ErrorMessage.ts"

export interface YamlIssue {
  readonly line: number
  /** The path of the offending key, e.g. `cast[2].name`; empty for the whole document. */
  readonly key: string
  readonly message: string
}

/** A YAML file that cannot be used: `message` is the whole diagnostic, the first issue's `line` and `key` are copied out. */
export class YamlError extends Data.TaggedError("YamlError")<{
  readonly file: string
  readonly line: number
  readonly key: string
  readonly message: string
  readonly issues: ReadonlyArray<YamlIssue>
}> {}

/**
 * Nodes an alias-expanded document may hold beyond its own. A config file has no use for more
 * aliases than a few; "billion laughs" (aliases of aliases of lists) reaches millions of nodes
 * from a few lines, and the JS value would take the process's memory with it.
 */
export const MAX_ALIAS_EXPANSION = 10_000

/** `["cast", 2, "name"]` → `cast[2].name`. */
export const formatKey = (path: ReadonlyArray<PropertyKey>): string => {
  let out = ""
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`
    else out += out === "" ? String(seg) : `.${String(seg)}`
  }
  return out
}

/** How a file is shown in errors: relative to the working directory when inside it. */
export const displayPath = (file: string): string => {
  const abs = resolve(file)
  const rel = relative(process.cwd(), abs)
  return rel.length > 0 && !rel.startsWith("..") && !isAbsolute(rel) ? rel : abs
}

const formatIssue = (file: string, issue: YamlIssue): string =>
  `${file}${issue.line > 0 ? `:${issue.line}` : ""}: ${issue.key === "" ? "" : `${issue.key}: `}${issue.message}`

/** The error for `issues` (sorted by line) of `file` (shown by `displayPath`). */
export const yamlError = (path: string, issues: ReadonlyArray<YamlIssue>): YamlError => {
  const file = displayPath(path)
  const sorted = [...issues].sort((a, b) => a.line - b.line)
  const first = sorted[0] ?? { line: 0, key: "", message: "invalid file" }
  return new YamlError({ file, line: first.line, key: first.key, message: sorted.map((i) => formatIssue(file, i)).join("\n"), issues: sorted })
}

type Located = { range?: [number, number, number] | null | undefined }

/** A parsed YAML file: its JS value, and where each key of it is. */
export interface YamlSource {
  readonly file: string
  readonly value: unknown
  /**
   * The line of the deepest node along `path` (a map entry at its key, a list item at the item),
   * and whether the whole path is in the file (a key that comes from defaults or the environment is not).
   */
  readonly locate: (path: ReadonlyArray<PropertyKey>) => { readonly line: number; readonly exact: boolean }
  /** An issue at `path`, located in the file. */
  readonly issue: (path: ReadonlyArray<PropertyKey>, message: string) => YamlIssue
}

const locateIn = (doc: Document, lc: LineCounter, path: ReadonlyArray<PropertyKey>) => {
  let node: unknown = doc.contents
  let at = (node as Located | null)?.range?.[0] ?? 0
  let depth = 0
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg))
      if (pair === undefined) break
      at = (pair.key as Located).range?.[0] ?? at
      node = pair.value
    } else if (isSeq(node) && typeof seg === "number" && seg < node.items.length) {
      node = node.items[seg]
      at = (node as Located | null)?.range?.[0] ?? at
    } else break
    depth++
  }
  return { line: lc.linePos(at).line, exact: depth === path.length }
}

/**
 * The first alias, in document order, at which the aliases' expansions add up past `limit`
 * nodes, or undefined. Sizes are memoised per node, so a bomb is measured without expanding it.
 */
const aliasBomb = (doc: Document, limit: number): { readonly alias: string; readonly offset: number; readonly total: number } | undefined => {
  const sizes = new Map<unknown, number>()
  const sizeOf = (node: unknown, visiting: Set<unknown>): number => {
    if (isAlias(node)) {
      const target = node.resolve(doc)
      return target === undefined ? 1 : sizeOf(target, visiting)
    }
    const known = sizes.get(node)
    if (known !== undefined) return known
    // an alias inside its own anchor expands for ever
    if (visiting.has(node)) return Number.POSITIVE_INFINITY
    visiting.add(node)
    let size = 1
    if (isMap(node)) for (const pair of node.items) size += sizeOf(pair.key, visiting) + sizeOf(pair.value, visiting)
    else if (isSeq(node)) for (const item of node.items) size += sizeOf(item, visiting)
    visiting.delete(node)
    sizes.set(node, size)
    return size
  }
  let total = 0
  let found: { alias: string; offset: number; total: number } | undefined
  visit(doc, {
    Alias: (_key, node) => {
      total += sizeOf(node, new Set())
      if (total > limit) {
        found = { alias: node.source, offset: (node as Located).range?.[0] ?? 0, total }
        return visit.BREAK
      }
      return undefined
    },
  })
  return found
}

/** Parses `text` (read from `file`, which names it in errors) without throwing. */
export const readYaml = (file: string, text: string): YamlSource | YamlError => {
  const lc = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true })
  if (doc.errors.length > 0) {
    return yamlError(file, doc.errors.map((e) => ({
      line: e.linePos?.[0].line ?? lc.linePos(e.pos[0]).line,
      key: "",
      message: `YAML syntax error: ${e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`,
    })))
  }
  const bomb = aliasBomb(doc, MAX_ALIAS_EXPANSION)
  if (bomb !== undefined) {
    const total = Number.isFinite(bomb.total) ? `${bomb.total}` : "infinitely many"
    return yamlError(file, [{
      line: lc.linePos(bomb.offset).line,
      key: "",
      message: `YAML alias *${bomb.alias} expands the document to ${total} nodes (an alias bomb?); at most ${MAX_ALIAS_EXPANSION} are allowed`,
    }])
  }
  let value: unknown
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSION })
  } catch (e) {
    // the alias check above should have caught it; never let the parser's throw escape
    return yamlError(file, [{ line: 0, key: "", message: `YAML: ${errorMessage(e)}` }])
  }
  const locate = (path: ReadonlyArray<PropertyKey>) => locateIn(doc, lc, path)
  return {
    file,
    value,
    locate,
    issue: (path, message) => ({ line: locate(path).line, key: formatKey(path), message }),
  }
}

const valueAt = (value: unknown, path: ReadonlyArray<PropertyKey>): unknown => {
  for (const seg of path) {
    if (typeof value !== "object" || value === null) return undefined
    value = (value as Record<PropertyKey, unknown>)[seg]
  }
  return value
}

/** `, got 100000` after an "Expected …" about a scalar, so the message says what was there. */
const shownValue = (message: string, value: unknown): string => {
  if (!message.startsWith("Expected") || message.includes(", got ")) return ""
  if (typeof value === "number" || typeof value === "boolean") return `, got ${value}`
  if (typeof value === "string") return `, got ${JSON.stringify(value.length > 40 ? `${value.slice(0, 39)}…` : value)}`
  return ""
}

const isMapping = (value: unknown) => typeof value === "object" && value !== null && !Array.isArray(value)

/** Schema issues as located issues: an excess property reads "Unknown key". */
const schemaIssues = (source: YamlSource, issue: SchemaIssue.Issue, value: unknown): ReadonlyArray<YamlIssue> =>
  SchemaIssue.makeFormatterStandardSchemaV1()(issue).issues.map((i) => {
    const path = (i.path ?? []).map((p) => (typeof p === "object" && p !== null && "key" in p ? p.key : p)) as Array<PropertyKey>
    const message = i.message === "Expected no excess property" || i.message.startsWith("Unexpected key")
      ? "Unknown key"
      : i.message.startsWith("Expected string") && isMapping(valueAt(value, path))
      ? `${i.message} (a ': ' inside plain text makes a YAML map: quote the text)`
      : i.message
    return source.issue(path, `${message}${shownValue(message, valueAt(value, path))}`)
  })

/**
 * Decodes `value` (by default the file's own value) with `schema`, every issue located in the
 * file; unknown keys are refused. `value` lets a caller decode the file merged with defaults.
 */
export const decodeYaml = <S extends Schema.Top & { readonly DecodingServices: never }>(
  source: YamlSource,
  schema: S,
  value: unknown = source.value,
): S["Type"] | YamlError => {
  const exit = Schema.decodeUnknownExit(schema)(value, { errors: "all", onExcessProperty: "error" })
  if (Exit.isSuccess(exit)) return exit.value
  const error = Cause.squash(exit.cause)
  if (!Schema.isSchemaError(error)) return yamlError(source.file, [{ line: 0, key: "", message: String(error) }])
  return yamlError(source.file, schemaIssues(source, error.issue, value))
}

/** Parses and decodes in one step. */
export const loadYaml = <S extends Schema.Top & { readonly DecodingServices: never }>(
  file: string,
  text: string,
  schema: S,
): S["Type"] | YamlError => {
  const source = readYaml(file, text)
  return source instanceof YamlError ? source : decodeYaml(source, schema)
}
