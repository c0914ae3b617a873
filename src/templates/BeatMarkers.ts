/**
 * The tiny explicit syntax by which an outline beat declares Bible changes.
 *
 * A beat may carry markers in square brackets anywhere (by convention at its end):
 *
 * - `[사망: character-id]` (or `[dies: character-id]`): the character is dead once the episode commits.
 * - `[생환: character-id]` (or `[alive: character-id]`): the character is alive again once the episode commits.
 * - `[관계: from-id TYPE to-id]` (or `[relation: from-id TYPE to-id]`): a new relation of a `RelationType`
 *   (`KNOWS`, `LOVES`, `HATES`, `MEMBER_OF`, `LOCATED_IN`, `OWNS`, `RIVAL_OF`, `SERVES`).
 *
 * The markers are stripped from the beat text the writer sees; `extractBibleChanges` turns them into
 * status changes and new relations. Anything else in brackets is left in the text untouched.
 */
import type { CharacterStatus, RelationType } from "../domain/Bible.ts"

export type BeatMarker =
  | { readonly _tag: "Status"; readonly character: string; readonly status: CharacterStatus }
  | { readonly _tag: "Relation"; readonly from: string; readonly to: string; readonly type: RelationType }

export interface ParsedBeat {
  /** The beat without its markers, whitespace tidied. */
  readonly text: string
  readonly markers: ReadonlyArray<BeatMarker>
  /** Markers that looked like markers but could not be read (unknown relation type, missing id …). */
  readonly malformed: ReadonlyArray<string>
}

export const relationTypes: ReadonlyArray<RelationType> = [
  "KNOWS", "LOVES", "HATES", "MEMBER_OF", "LOCATED_IN", "OWNS", "RIVAL_OF", "SERVES",
]

const MARKER = /\[\s*(사망|dies|생환|alive|관계|relation)\s*:\s*([^\]]*)\]/g
const ID = /^[a-z0-9-]{1,64}$/

export const parseBeat = (raw: string): ParsedBeat => {
  const markers: Array<BeatMarker> = []
  const malformed: Array<string> = []
  const text = raw
    .replace(MARKER, (whole, kind: string, body: string) => {
      const parts = body.trim().split(/\s+/).filter((p) => p.length > 0)
      if (kind === "사망" || kind === "dies" || kind === "생환" || kind === "alive") {
        if (parts.length === 1 && ID.test(parts[0])) {
          markers.push({ _tag: "Status", character: parts[0], status: kind === "사망" || kind === "dies" ? "dead" : "alive" })
        } else malformed.push(whole)
      } else {
        const type = parts[1] as RelationType
        if (parts.length === 3 && ID.test(parts[0]) && ID.test(parts[2]) && relationTypes.includes(type)) {
          markers.push({ _tag: "Relation", from: parts[0], to: parts[2], type })
        } else malformed.push(whole)
      }
      return " "
    })
    .replace(/\s+/g, " ")
    .trim()
  return { text, markers, malformed }
}

/** The ids a beat's markers refer to. */
export const markerIds = (markers: ReadonlyArray<BeatMarker>): ReadonlyArray<string> =>
  markers.flatMap((m) => (m._tag === "Status" ? [m.character] : [m.from, m.to]))
