/**
 * The phrase template language of the offline writer.
 *
 * A template is text with slots `{NAME}` or `{NAME<particle>}` (`{A은}` → `윤하는`, `{P로}` → `검장으로`)
 * and inline alternatives `[a|b|c]` (which may hold slots). `{B}{을}` is written for readability and
 * means `{B을}`. Slots:
 *   A, B  the focus character and a partner (alive), D a dead character, X an unnamed extra,
 *   P the scene's place, ADV manner, GES a gesture (past tense), EMO a feeling, OBJ a thing at hand,
 *   TR / TRB a trait of A / B, KW a keyword of the beat, TIME a time of day, PADJ how a place feels,
 *   SENSE a sensory sentence, RULE a world rule, R a keyword of the previous episode's summary.
 *
 * Compiled once, when the phrase banks load; rendered by the composer, which fills the slots and
 * chooses the alternatives.
 */
import { Data } from "effect"
import { josa } from "../../text/Particles.ts"

export type TemplateNode =
  | string
  | { readonly slot: string; readonly particle: string }
  | { readonly alt: ReadonlyArray<ReadonlyArray<TemplateNode>> }

/** A compiled template; `cap`: how often it may be used in one episode; `needs`: the `NEEDS_*` slots it has. */
export interface Template {
  readonly nodes: ReadonlyArray<TemplateNode>
  readonly needs: number
  readonly cap: number
}

/** Slots a template cannot be used without (a partner, a dead character, a keyword …), as bits of `needs`. */
export const NEEDS_B = 1
export const NEEDS_D = 2
export const NEEDS_X = 4
export const NEEDS_KW = 8
export const NEEDS_TRB = 16

/** A template that cannot be read; the message names it. */
export class TemplateSyntaxError extends Data.TaggedError("TemplateSyntaxError")<{ readonly message: string }> {}

const parseNodes = (src: string, at: { i: number }, stop: string): Array<TemplateNode> => {
  const out: Array<TemplateNode> = []
  let text = ""
  const flush = () => {
    if (text.length > 0) out.push(text)
    text = ""
  }
  while (at.i < src.length) {
    const ch = src[at.i]
    if (stop.includes(ch)) break
    if (ch === "{") {
      flush()
      const end = src.indexOf("}", at.i)
      const body = src.slice(at.i + 1, end)
      const m = /^([A-Z]+)(.*)$/.exec(body)
      if (end === -1 || m === null) throw new TemplateSyntaxError({ message: `bad slot {${body}} in template “${src}”` })
      out.push({ slot: m[1], particle: m[2] })
      at.i = end + 1
    } else if (ch === "[") {
      flush()
      at.i++
      const options: Array<Array<TemplateNode>> = []
      for (;;) {
        options.push(parseNodes(src, at, "|]"))
        const c = src[at.i]
        at.i++
        if (c === "]" || c === undefined) break
      }
      out.push({ alt: options })
    } else {
      text += ch
      at.i++
    }
  }
  flush()
  return out
}

const needsOf = (nodes: ReadonlyArray<TemplateNode>): number => {
  let n = 0
  for (const node of nodes) {
    if (typeof node === "string") continue
    if ("slot" in node) {
      if (node.slot === "B") n |= NEEDS_B
      else if (node.slot === "D") n |= NEEDS_D
      else if (node.slot === "X") n |= NEEDS_X
      else if (node.slot === "KW") n |= NEEDS_KW
      else if (node.slot === "TRB") n |= NEEDS_TRB | NEEDS_B
    } else for (const o of node.alt) n |= needsOf(o)
  }
  return n
}

export const compileTemplate = (src: string, cap = 1): Template => {
  const nodes = parseNodes(src.replace(/\{([A-Z]+)\}\{([가-힣]+)\}/g, "{$1$2}"), { i: 0 }, "")
  return { nodes, needs: needsOf(nodes), cap }
}

/**
 * A template's text: `slot(name, particle)` fills a slot (the particle is then attached in its right
 * form), `choose(n)` picks one of n alternatives. Called in the order the template reads, so a seeded
 * composer draws the same numbers for the same template.
 */
export const renderTemplate = (
  nodes: ReadonlyArray<TemplateNode>,
  slot: (name: string, particle: string) => string,
  choose: (n: number) => number,
): string => {
  let out = ""
  for (const node of nodes) {
    if (typeof node === "string") out += node
    else if ("slot" in node) {
      const v = slot(node.slot, node.particle)
      out += node.particle.length > 0 ? josa(v, node.particle) : v
    } else out += renderTemplate(node.alt[choose(node.alt.length)], slot, choose)
  }
  return out
}

/** A title pattern (`{T}의 밤`, `{T을} 향해`) around a title's core. */
export const fillTitle = (pattern: string, core: string): string =>
  pattern.replace(/\{T([가-힣]*)\}/g, (_, particle: string) => (particle.length > 0 ? josa(core, particle) : core))
