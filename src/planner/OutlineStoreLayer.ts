import type { Layer } from "effect"
import type { Database } from "../sqlite/Database.ts"
import { Neo4jOutlineStore } from "./Neo4jOutlineStore.ts"
import type { OutlineUnavailable } from "./OutlineErrors.ts"
import type { OutlineStore } from "./OutlineStore.ts"
import { SqliteOutlineStore } from "./SqliteOutlineStore.ts"

/** The outline lives where the story lives: `story.kind` of the factory config picks the adapter. */
export const outlineStoreLayer = (
  story: { readonly kind: "sqlite" } | { readonly kind: "neo4j"; readonly url: string; readonly user: string },
): Layer.Layer<OutlineStore, OutlineUnavailable, Database> =>
  story.kind === "sqlite" ? SqliteOutlineStore.layer : Neo4jOutlineStore.layer({ url: story.url, user: story.user })
