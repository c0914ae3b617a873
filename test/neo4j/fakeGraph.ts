/**
 * An in-memory stand-in for what the Neo4j store's statements do to a project's graph, for tests
 * without a server. Each of `cypher.ts`'s write statements is modelled by hand (by the query it
 * runs, so a statement this model does not know fails the test) on the property maps its
 * parameters carry, and the reads apply the `ORDER BY` of the matching `GET_*` query before
 * handing the records to `toBible` — the mapper `getBible` uses.
 *
 * What it checks: that the parameters the builders produce, stored as the Cypher says and mapped
 * back, give the Bible `mergeBibleChanges` defines. What it cannot check: that Neo4j runs the
 * Cypher text as modelled here. Where Cypher's clause-at-a-time evaluation matters (a clause sees
 * every row of the clause before it), the model evaluates the same way.
 */
import neo4j from "neo4j-driver"
import type { Bible, BibleChanges } from "../../src/domain/Bible.ts"
import type { Episode } from "../../src/domain/Episode.ts"
import type { Project } from "../../src/domain/Project.ts"
import * as Q from "../../src/story/cypher.ts"
import type { StatementRunner } from "../../src/story/Neo4jStoryStore.ts"

type Props = Record<string, unknown>

/** What the driver hands back with `disableLosslessIntegers`: Integers become numbers (in lists and maps too). */
export const fromDriver = (v: unknown): unknown => {
  if (neo4j.isInt(v)) return (v as { toNumber(): number }).toNumber()
  if (Array.isArray(v)) return v.map(fromDriver)
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromDriver(x)]))
  return v
}

interface Node {
  readonly labels: Set<string>
  props: Props
}

interface Edge {
  readonly type: string
  readonly fromUid: string
  readonly toUid: string
  props: Props
}

/** `SET n = m` / `n += m` with Cypher's rule that a null value removes the property. */
const assign = (target: Props, source: Props): Props => {
  const out = { ...target }
  for (const [k, v] of Object.entries(source)) {
    if (v === null || v === undefined) delete out[k]
    else out[k] = v
  }
  return out
}

const byNumbers = (...keys: ReadonlyArray<string>) => (a: Props, b: Props): number => {
  for (const k of keys) {
    const d = (a[k] as number) - (b[k] as number)
    if (d !== 0) return d
  }
  return 0
}

interface State {
  project: Props
  nodes: Map<string, Node>
  edges: Array<Edge>
  events: Array<Props>
  statusRecords: Array<Props>
  facts: Array<Props>
  episodes: Map<string, Props>
  fences: Map<string, Props>
  provisional: Map<string, Props>
}

export class FakeGraph {
  project: Props = {}
  nodes = new Map<string, Node>()
  edges: Array<Edge> = []
  events: Array<Props> = []
  statusRecords: Array<Props> = []
  facts: Array<Props> = []
  episodes = new Map<string, Props>()
  fences = new Map<string, Props>()
  provisional = new Map<string, Props>()
  /** Queries run, in order (those of a rolled-back transaction too). */
  readonly log: Array<string> = []

  private state(): State {
    const { project, nodes, edges, events, statusRecords, facts, episodes, fences, provisional } = this
    return { project, nodes, edges, events, statusRecords, facts, episodes, fences, provisional }
  }

  /** Everything the graph holds, to compare before and after. */
  dump(): State {
    return structuredClone(this.state())
  }

  /** `executeWrite`'s part: the work's writes stay only if it returns; if it throws, none of them. */
  async executeWrite<A>(work: (tx: StatementRunner) => Promise<A>): Promise<A> {
    const before = this.dump()
    try {
      return await work({
        run: (query, params) => Promise.resolve({ records: this.query({ query, params }).map((r) => ({ toObject: () => r })) }),
      })
    } catch (error) {
      Object.assign(this, before)
      throw error
    }
  }

  /** A statement's rows (none for the statements that return nothing). */
  query(statement: Q.Statement): Array<Props> {
    const q = statement.query
    const p = fromDriver(statement.params) as Props
    const projectKnown = this.project.slug !== undefined && p.slug === this.project.slug
    const lastEpisode = () => {
      const numbers = [...this.episodes.values()].map((e) => e.number as number)
      return numbers.length === 0 ? null : Math.max(...numbers)
    }
    const raiseFence = () => {
      const uid = String(p.uid)
      const f = this.fences.get(uid)
      if (f === undefined) this.fences.set(uid, { uid, project: p.slug, episode: p.episode, token: p.token })
      else f.token = Math.max(f.token as number, p.token as number)
      return this.fences.get(uid)!.token
    }
    switch (q) {
      case Q.LOCK_PROJECT:
        this.log.push(q)
        return projectKnown ? [{ found: true }] : []
      case Q.EPISODE_COMMITTED:
        this.log.push(q)
        return [{ committed: this.episodes.has(String(p.uid)) }]
      case Q.FENCE_FOR_COMMIT:
        this.log.push(q)
        return projectKnown ? [{ fence: raiseFence(), lastEpisode: lastEpisode() }] : []
      case Q.FENCE_EPISODE:
        this.log.push(q)
        return [{ newest: raiseFence() === p.token }]
      case Q.MERGE_EPISODE: {
        this.log.push(q)
        if (!projectKnown) return []
        const uid = String(p.uid)
        if (!this.episodes.has(uid)) this.episodes.set(uid, { ...(p.props as Props), commitId: p.commitId })
        return [{ created: this.episodes.get(uid)!.commitId === p.commitId }]
      }
      case Q.DELETE_PROVISIONAL:
        this.log.push(q)
        this.provisional.delete(String(p.uid))
        return []
      case Q.RESERVE_SEQUENCES:
        this.log.push(q)
        return projectKnown ? [this.reserve(p)] : []
      case Q.GET_FINGERPRINTS:
        this.log.push(q)
        return [...this.episodes.values()]
          .filter((e) => e.project === p.slug && e.fingerprint !== undefined)
          .sort(byNumbers("number"))
          .map((e) => ({ number: e.number, sentences: e.fingerprint }))
      default:
        this.run(statement)
        return []
    }
  }

  static created(project: Project, bible: Bible): FakeGraph {
    const g = new FakeGraph()
    for (const s of Q.createProjectStatements(project, bible)) g.run(s)
    return g
  }

  /** `RESERVE_SEQUENCES` then `commitChangeStatements`, as `commitEpisode` runs them after creating the episode. */
  commit(episode: Episode, changes: BibleChanges): void {
    const bases = Q.toSequenceBases(this.reserve(fromDriver(Q.reserveParams(String(this.project.slug), changes)) as Props))
    for (const s of Q.commitChangeStatements(episode, changes, bases)) this.run(s)
  }

  reserve(p: Props): Props {
    const ordBase = (this.project.ordSeq as number | undefined) ?? [...this.nodes.values()].length
    const seq = (key: string, n: unknown) => {
      const base = (this.project[key] as number | undefined) ?? 0
      this.project[key] = base + (n as number)
      return base
    }
    const row = {
      relBase: seq("relSeq", p.relations),
      eventBase: seq("eventSeq", p.events),
      statusBase: seq("statusSeq", p.statuses),
      factBase: seq("factSeq", p.facts),
      ordBase,
    }
    this.project.ordSeq = ordBase + (p.nodes as number)
    return row
  }

  run(statement: Q.Statement): void {
    const q = statement.query
    const p = fromDriver(statement.params) as Props
    this.log.push(q)
    const rows = (key: string) => (p[key] as Array<Props> | undefined) ?? []
    if (q === Q.CREATE_PROJECT) return void (this.project = { ...(p.props as Props) })
    if (q === Q.SET_SEQUENCES) {
      const { slug: _, ...seqs } = p
      return void Object.assign(this.project, seqs)
    }
    if (q === Q.CREATE_CHARACTERS) return this.createNodes("Character", rows("characters"))
    for (const label of Object.values(Q.ENTITY_LABELS)) if (q === Q.createEntities(label)) return this.createNodes(label, rows("entities"))
    for (const label of ["Character", "Place"] as const) if (q === Q.introduceNodes(label)) return this.introduce(label, rows("nodes"))
    for (const type of Q.RELATION_TYPES) {
      if (q === Q.mergeRelations(type)) return this.mergeRelations(type, rows("relations"))
      if (q === Q.endRelations(type)) return this.endRelations(type, rows("relations"), p.episode as number)
    }
    if (q === Q.CREATE_EVENTS) return void this.events.push(...rows("events"))
    // Edges to events are not part of the Bible read back.
    if (q === Q.LINK_EVENT_CHARACTERS || q === Q.LINK_EVENT_PLACES) return
    if (q === Q.CREATE_STATUS_RECORDS) return void this.statusRecords.push(...rows("records"))
    if (q === Q.CREATE_FACTS) return void this.facts.push(...rows("facts"))
    if (q === Q.RECORD_APPEARANCES) {
      for (const id of p.characters as Array<string>) {
        const c = this.character(`${String(p.slug)}/${id}`)
        if (c !== undefined) c.props.lastSeen = Math.max((c.props.lastSeen as number | undefined) ?? 0, p.number as number)
      }
      return
    }
    if (q === Q.APPLY_STATUS_CHANGE) return this.applyStatusChange(p)
    throw new Error(`the fake graph does not model this statement:\n${q}`)
  }

  private character(uid: string): Node | undefined {
    const n = this.nodes.get(uid)
    return n?.labels.has("Character") ? n : undefined
  }

  private createNodes(label: string, rows: ReadonlyArray<Props>) {
    for (const r of rows) {
      const uid = String(r.uid)
      if (this.nodes.has(uid)) throw new Error(`uniqueness constraint nf_bible_uid: ${uid} exists`)
      this.nodes.set(uid, { labels: new Set(["BibleNode", label]), props: { ...r } })
    }
  }

  /** `introduceNodes`, clause by clause: MERGE every row, then keep the rows whose node is a stub, then SET. */
  private introduce(label: string, rows: ReadonlyArray<Props>) {
    const merged = rows.map((x) => {
      const uid = String(x.uid)
      let n = this.nodes.get(uid)
      if (n === undefined) {
        n = { labels: new Set(["BibleNode"]), props: { uid, stub: true } }
        this.nodes.set(uid, n)
      }
      return { n, x }
    })
    const stubs = merged.filter(({ n }) => n.props.stub === true)
    for (const { n, x } of stubs) {
      n.labels.add(label)
      n.props = assign(n.props, x)
      delete n.props.stub
    }
  }

  private edge(type: string, fromUid: string, toUid: string) {
    return this.edges.find((e) => e.type === type && e.fromUid === fromUid && e.toUid === toUid)
  }

  private mergeRelations(type: string, rows: ReadonlyArray<Props>) {
    const slug = String(this.project.slug)
    for (const r of rows) {
      for (const [uid, id] of [[r.fromUid, r.from], [r.toUid, r.to]] as const) {
        if (!this.nodes.has(String(uid))) this.nodes.set(String(uid), { labels: new Set(["BibleNode"]), props: { uid, project: slug, id, stub: true } })
      }
      const e = this.edge(type, String(r.fromUid), String(r.toUid))
      if (e === undefined) {
        this.edges.push({ type, fromUid: String(r.fromUid), toUid: String(r.toUid), props: assign({}, { since: r.since, ord: r.ord, until: r.until }) })
      } else {
        e.props = assign(e.props, { since: e.props.until === undefined ? e.props.since : r.since, until: null })
      }
    }
  }

  private endRelations(type: string, rows: ReadonlyArray<Props>, episode: number) {
    for (const r of rows) {
      const e = this.edge(type, String(r.fromUid), String(r.toUid))
      if (e !== undefined && e.props.until === undefined) e.props.until = episode
    }
  }

  private applyStatusChange(p: Props) {
    const c = this.character(String(p.uid))
    if (c === undefined) return
    const record = p.record as Props
    if (!this.statusRecords.some((r) => r.project === p.slug && r.character === c.props.id)) {
      this.statusRecords.push({ project: p.slug, seq: p.initialSeq, character: c.props.id, status: c.props.status, episode: c.props.firstEpisode })
    }
    this.statusRecords.push({ ...record })
    c.props = assign(c.props, { status: record.status, statusNote: record.note ?? null })
  }

  /** The records `getBible` reads, in its queries' order. */
  records(): Q.BibleRecords {
    const labelled = (label: string) =>
      [...this.nodes.values()].filter((n) => n.labels.has(label)).map((n) => n.props).sort(byNumbers("ord"))
    const idOf = (uid: string) => this.nodes.get(uid)!.props.id
    return {
      project: this.project,
      characters: labelled("Character"),
      places: labelled("Place"),
      factions: labelled("Faction"),
      items: labelled("Item"),
      relations: [...this.edges]
        .sort((a, b) => (a.props.ord as number) - (b.props.ord as number))
        .map((e) => ({ from: idOf(e.fromUid), to: idOf(e.toUid), type: e.type, since: e.props.since, until: e.props.until ?? null })),
      events: [...this.events].sort(byNumbers("seq")),
      statusHistory: [...this.statusRecords].sort(byNumbers("episode", "seq")),
      facts: [...this.facts].sort(byNumbers("validFrom", "seq")),
    }
  }

  bible(): Bible {
    return Q.toBible(this.records())
  }
}
