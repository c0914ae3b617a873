import { Effect, Layer, Option, Result } from "effect"
import type { Bible, BibleChanges, Character, CharacterStatus, Fact, Place, ProvisionalFacts, Relation, StatusRecord, StoryEvent } from "../domain/Bible.ts"
import { initialRecord, mergeBibleChanges } from "./BibleTime.ts"
import type { Episode, GuardFinding } from "../domain/Episode.ts"
import type { Project } from "../domain/Project.ts"
import { type Connection, Database, mapSqliteError, type Migration, type SqliteError } from "../sqlite/Database.ts"
import { keepRecent } from "../util/Lru.ts"
import {
  type CommitOptions,
  type EpisodeFingerprint,
  type EpisodeSummary,
  type PendingCommit,
  ProjectExists,
  ProjectNotFound,
  type ProjectSummary,
  StaleCommit,
  StoreUnavailable,
  StoryStore,
  type StoryStoreShape,
} from "./StoryStore.ts"

/*
 * Schema notes
 *
 * The Bible is normalised: one table per kind of node (characters; places, factions and items
 * share `story_entities`), edges in `story_relations`, `story_events` and `story_appearances`.
 * Why not one JSON document per project: the graph is what the guard and the dashboard query
 * ("who is dead", "who appeared since episode n", "relations of x"), and the Neo4j adapter is
 * a graph too, so both stores answer the same questions the same way. Merging a commit's
 * `BibleChanges` is then a handful of small indexed writes instead of rewriting a growing
 * document, and all of it (episode row included) happens in one `BEGIN IMMEDIATE`
 * transaction: the episode's primary key (project, number) makes a second commit a no-op
 * that never reaches the Bible.
 *
 * Merge rules: appearances are recorded per (character, episode) and move the character's
 * `last_seen`; events are appended; status changes overwrite the character's status
 * (unknown characters are ignored); relations are keyed (from, to, type), so a relation
 * already known keeps its original `since`. Insertion order (rowid) is the Bible's order.
 * Lists (aliases, traits, style rules …) are JSON text columns: they are read with their row.
 */
const migrations: ReadonlyArray<Migration> = [
  {
    version: 1,
    description: "projects, bible, episodes",
    up: `
      CREATE TABLE story_projects (
        slug         TEXT PRIMARY KEY,
        title        TEXT NOT NULL,
        genre        TEXT NOT NULL,
        language     TEXT NOT NULL,
        seed         INTEGER NOT NULL,
        premise      TEXT NOT NULL,
        tone         TEXT NOT NULL,
        style_rules  TEXT NOT NULL,
        banned_words TEXT NOT NULL,
        length_min   INTEGER NOT NULL,
        length_max   INTEGER NOT NULL,
        beats        TEXT NOT NULL,
        created_at   INTEGER NOT NULL
      );
      CREATE TABLE story_characters (
        project       TEXT NOT NULL REFERENCES story_projects (slug) ON DELETE CASCADE,
        id            TEXT NOT NULL,
        name          TEXT NOT NULL,
        aliases       TEXT NOT NULL,
        role          TEXT NOT NULL,
        status        TEXT NOT NULL CHECK (status IN ('alive', 'dead')),
        traits        TEXT NOT NULL,
        first_episode INTEGER NOT NULL,
        provisional   INTEGER,
        last_seen     INTEGER,
        PRIMARY KEY (project, id)
      );
      CREATE TABLE story_entities (
        project     TEXT NOT NULL REFERENCES story_projects (slug) ON DELETE CASCADE,
        kind        TEXT NOT NULL CHECK (kind IN ('place', 'faction', 'item')),
        id          TEXT NOT NULL,
        name        TEXT NOT NULL,
        description TEXT NOT NULL,
        PRIMARY KEY (project, kind, id)
      );
      CREATE TABLE story_world_rules (
        project TEXT NOT NULL REFERENCES story_projects (slug) ON DELETE CASCADE,
        rule    TEXT NOT NULL
      );
      CREATE INDEX story_world_rules_project ON story_world_rules (project);
      CREATE TABLE story_relations (
        project TEXT NOT NULL REFERENCES story_projects (slug) ON DELETE CASCADE,
        from_id TEXT NOT NULL,
        to_id   TEXT NOT NULL,
        type    TEXT NOT NULL,
        since   INTEGER NOT NULL,
        PRIMARY KEY (project, from_id, to_id, type)
      );
      CREATE TABLE story_events (
        seq         INTEGER PRIMARY KEY,
        project     TEXT NOT NULL REFERENCES story_projects (slug) ON DELETE CASCADE,
        episode     INTEGER NOT NULL,
        description TEXT NOT NULL,
        characters  TEXT NOT NULL,
        place       TEXT
      );
      CREATE INDEX story_events_project ON story_events (project, episode);
      CREATE TABLE story_appearances (
        project   TEXT NOT NULL REFERENCES story_projects (slug) ON DELETE CASCADE,
        character TEXT NOT NULL,
        episode   INTEGER NOT NULL,
        PRIMARY KEY (project, character, episode)
      );
      CREATE TABLE story_episodes (
        project      TEXT NOT NULL REFERENCES story_projects (slug) ON DELETE CASCADE,
        number       INTEGER NOT NULL CHECK (number >= 1),
        title        TEXT NOT NULL,
        body         TEXT NOT NULL,
        summary      TEXT NOT NULL,
        char_count   INTEGER NOT NULL,
        findings     TEXT NOT NULL,
        reward       REAL NOT NULL,
        drafts       INTEGER NOT NULL,
        committed_at INTEGER NOT NULL,
        PRIMARY KEY (project, number)
      );
    `,
  },
  {
    version: 2,
    description: "provisional facts of drafts",
    // One row per episode in the pipeline: a later draft replaces it, the commit deletes it.
    up: `
      CREATE TABLE story_provisional (
        project   TEXT NOT NULL REFERENCES story_projects (slug) ON DELETE CASCADE,
        episode   INTEGER NOT NULL,
        draft     INTEGER NOT NULL,
        staged_at INTEGER NOT NULL,
        changes   TEXT NOT NULL,
        PRIMARY KEY (project, episode)
      );
    `,
  },
  {
    version: 3,
    description: "facts in story time (statuses beyond dead, status history, facts, introduced places, ended relations), commit fences, episode fingerprints",
    // The status CHECK widens, which SQLite can only do by rebuilding the table (rowid order kept).
    up: `
      CREATE TABLE story_characters_v3 (
        project       TEXT NOT NULL REFERENCES story_projects (slug) ON DELETE CASCADE,
        id            TEXT NOT NULL,
        name          TEXT NOT NULL,
        aliases       TEXT NOT NULL,
        role          TEXT NOT NULL,
        status        TEXT NOT NULL CHECK (status IN ('alive', 'dead', 'injured', 'missing', 'captured')),
        traits        TEXT NOT NULL,
        first_episode INTEGER NOT NULL,
        provisional   INTEGER,
        last_seen     INTEGER,
        status_note   TEXT,
        PRIMARY KEY (project, id)
      );
      INSERT INTO story_characters_v3 (project, id, name, aliases, role, status, traits, first_episode, provisional, last_seen)
        SELECT project, id, name, aliases, role, status, traits, first_episode, provisional, last_seen FROM story_characters ORDER BY rowid;
      DROP TABLE story_characters;
      ALTER TABLE story_characters_v3 RENAME TO story_characters;
      ALTER TABLE story_entities ADD COLUMN first_episode INTEGER;
      ALTER TABLE story_relations ADD COLUMN until_episode INTEGER;
      CREATE TABLE story_status_history (
        seq       INTEGER PRIMARY KEY,
        project   TEXT NOT NULL REFERENCES story_projects (slug) ON DELETE CASCADE,
        character TEXT NOT NULL,
        episode   INTEGER NOT NULL,
        status    TEXT NOT NULL,
        note      TEXT,
        evidence  TEXT
      );
      CREATE INDEX story_status_history_project ON story_status_history (project, episode);
      CREATE TABLE story_facts (
        seq        INTEGER PRIMARY KEY,
        project    TEXT NOT NULL REFERENCES story_projects (slug) ON DELETE CASCADE,
        text       TEXT NOT NULL,
        subjects   TEXT NOT NULL,
        valid_from INTEGER NOT NULL,
        valid_to   INTEGER,
        evidence   TEXT
      );
      CREATE INDEX story_facts_project ON story_facts (project, valid_from);
      CREATE TABLE story_fences (
        project TEXT NOT NULL REFERENCES story_projects (slug) ON DELETE CASCADE,
        episode INTEGER NOT NULL,
        token   INTEGER NOT NULL,
        PRIMARY KEY (project, episode)
      );
      CREATE TABLE story_fingerprints (
        project   TEXT NOT NULL REFERENCES story_projects (slug) ON DELETE CASCADE,
        number    INTEGER NOT NULL,
        sentences TEXT NOT NULL,
        PRIMARY KEY (project, number)
      );
    `,
  },
  {
    version: 4,
    description: "the commit outbox (JobCommitted written in the commit's transaction, deleted once relayed)",
    up: `
      CREATE TABLE story_outbox (
        project      TEXT NOT NULL REFERENCES story_projects (slug) ON DELETE CASCADE,
        episode      INTEGER NOT NULL,
        job          TEXT NOT NULL,
        reward       REAL NOT NULL,
        duration_ms  REAL NOT NULL,
        committed_at INTEGER NOT NULL,
        PRIMARY KEY (project, episode)
      );
      CREATE INDEX story_outbox_order ON story_outbox (committed_at);
    `,
  },
]

interface ProjectRow {
  readonly slug: string
  readonly title: string
  readonly genre: string
  readonly language: string
  readonly seed: number
  readonly premise: string
  readonly tone: string
  readonly style_rules: string
  readonly banned_words: string
  readonly length_min: number
  readonly length_max: number
  readonly beats: string
  readonly created_at: number
}

interface CharacterRow {
  readonly id: string
  readonly name: string
  readonly aliases: string
  readonly role: string
  readonly status: CharacterStatus
  readonly traits: string
  readonly first_episode: number
  readonly provisional: number | null
  readonly status_note: string | null
}

interface EpisodeRow {
  readonly project: string
  readonly number: number
  readonly title: string
  readonly body: string
  readonly summary: string
  readonly char_count: number
  readonly findings: string
  readonly reward: number
  readonly drafts: number
  readonly committed_at: number
}

const toProject = (r: ProjectRow): Project => ({
  slug: r.slug,
  title: r.title,
  genre: r.genre,
  language: r.language,
  seed: r.seed,
  premise: r.premise,
  tone: r.tone,
  styleRules: JSON.parse(r.style_rules),
  bannedWords: JSON.parse(r.banned_words),
  lengthBand: { min: r.length_min, max: r.length_max },
  beats: JSON.parse(r.beats),
  createdAt: r.created_at,
})

const toCharacter = (r: CharacterRow): Character => ({
  id: r.id,
  name: r.name,
  aliases: JSON.parse(r.aliases),
  role: r.role,
  status: r.status,
  traits: JSON.parse(r.traits),
  firstEpisode: r.first_episode,
  ...(r.provisional === null ? {} : { provisional: r.provisional === 1 }),
  ...(r.status_note === null ? {} : { statusNote: r.status_note }),
})

const toEpisode = (r: EpisodeRow): Episode => ({
  project: r.project,
  number: r.number,
  title: r.title,
  body: r.body,
  summary: r.summary,
  charCount: r.char_count,
  findings: JSON.parse(r.findings) as ReadonlyArray<GuardFinding>,
  reward: r.reward,
  drafts: r.drafts,
  committedAt: r.committed_at,
})

const PROJECT_EXISTS = "SELECT 1 AS one FROM story_projects WHERE slug = ?"
const INSERT_CHARACTER = `INSERT INTO story_characters (project, id, name, aliases, role, status, traits, first_episode, provisional, status_note)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`
const INSERT_ENTITY = `INSERT INTO story_entities (project, kind, id, name, description, first_episode) VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT DO NOTHING`
const INSERT_RULE = "INSERT INTO story_world_rules (project, rule) VALUES (?, ?)"
// A relation formed again after it ended holds anew (see `mergeBibleChanges`).
const INSERT_RELATION = `INSERT INTO story_relations (project, from_id, to_id, type, since, until_episode) VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT (project, from_id, to_id, type) DO UPDATE SET since = excluded.since, until_episode = NULL
  WHERE story_relations.until_episode IS NOT NULL`
const END_RELATION = `UPDATE story_relations SET until_episode = ?
  WHERE project = ? AND from_id = ? AND to_id = ? AND type = ? AND until_episode IS NULL`
const INSERT_STATUS = "INSERT INTO story_status_history (project, character, episode, status, note, evidence) VALUES (?, ?, ?, ?, ?, ?)"
const INSERT_FACT = "INSERT INTO story_facts (project, text, subjects, valid_from, valid_to, evidence) VALUES (?, ?, ?, ?, ?, ?)"
const INSERT_EVENT = "INSERT INTO story_events (project, episode, description, characters, place) VALUES (?, ?, ?, ?, ?)"
const INSERT_EPISODE = `INSERT INTO story_episodes (project, number, title, body, summary, char_count, findings, reward, drafts, committed_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`

const UPSERT_PROVISIONAL = `INSERT INTO story_provisional (project, episode, draft, staged_at, changes) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (project, episode) DO UPDATE SET draft = excluded.draft, staged_at = excluded.staged_at, changes = excluded.changes`
const DELETE_PROVISIONAL = "DELETE FROM story_provisional WHERE project = ? AND episode = ?"
const INSERT_OUTBOX = `INSERT INTO story_outbox (project, episode, job, reward, duration_ms, committed_at) VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT DO NOTHING`
/** A fence only rises: the newest delivery's token. */
const UPSERT_FENCE = `INSERT INTO story_fences (project, episode, token) VALUES (?, ?, ?)
  ON CONFLICT (project, episode) DO UPDATE SET token = MAX(token, excluded.token)`

const insertRelation = (c: Connection, project: string, r: Relation) =>
  c.run(INSERT_RELATION, project, r.from, r.to, r.type, r.since, r.until ?? null)
const insertCharacter = (c: Connection, project: string, ch: Character) =>
  c.run(
    INSERT_CHARACTER,
    project,
    ch.id,
    ch.name,
    JSON.stringify(ch.aliases),
    ch.role,
    ch.status,
    JSON.stringify(ch.traits),
    ch.firstEpisode,
    ch.provisional === undefined ? null : ch.provisional ? 1 : 0,
    ch.statusNote ?? null,
  )
const insertPlace = (c: Connection, project: string, p: Place) =>
  c.run(INSERT_ENTITY, project, "place", p.id, p.name, p.description, p.firstEpisode ?? null)
const insertStatus = (c: Connection, project: string, r: StatusRecord) =>
  c.run(INSERT_STATUS, project, r.character, r.episode, r.status, r.note ?? null, r.evidence === undefined ? null : JSON.stringify(r.evidence))
const insertFact = (c: Connection, project: string, f: Fact) =>
  c.run(
    INSERT_FACT,
    project,
    f.text,
    JSON.stringify(f.subjects),
    f.validFrom,
    f.validTo ?? null,
    f.evidence === undefined ? null : JSON.stringify(f.evidence),
  )
const insertEvent = (c: Connection, project: string, e: StoryEvent) =>
  c.run(INSERT_EVENT, project, e.episode, e.description, JSON.stringify(e.characters), e.place ?? null)

/** A project's Bible as this connection last read it, with SQLite's `data_version` at the read. */
interface BibleRead {
  readonly dataVersion: number
  readonly bible: Bible
}

export const make = Effect.gen(function* () {
  const db = yield* Database
  yield* db.migrate("story", migrations).pipe(Effect.mapError(unavailable))
  const mapErr = mapSqliteError(unavailable)

  const createProject: StoryStoreShape["createProject"] = (project, bible) =>
    db
      .transactionResult((c): Result.Result<void, ProjectExists> => {
        if (c.get(PROJECT_EXISTS, project.slug) !== undefined) return Result.fail(new ProjectExists({ slug: project.slug }))
        const p = project.slug
        forgetBible(p)
        c.run(
          `INSERT INTO story_projects (slug, title, genre, language, seed, premise, tone, style_rules, banned_words, length_min, length_max, beats, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          p,
          project.title,
          project.genre,
          project.language,
          project.seed,
          project.premise,
          project.tone,
          JSON.stringify(project.styleRules),
          JSON.stringify(project.bannedWords),
          project.lengthBand.min,
          project.lengthBand.max,
          JSON.stringify(project.beats),
          project.createdAt,
        )
        for (const ch of bible.characters) insertCharacter(c, p, ch)
        for (const x of bible.places) insertPlace(c, p, x)
        for (const x of bible.factions) c.run(INSERT_ENTITY, p, "faction", x.id, x.name, x.description, null)
        for (const x of bible.items) c.run(INSERT_ENTITY, p, "item", x.id, x.name, x.description, null)
        for (const rule of bible.worldRules) c.run(INSERT_RULE, p, rule)
        for (const r of bible.relations) insertRelation(c, p, r)
        for (const e of bible.events) insertEvent(c, p, e)
        for (const r of bible.statusHistory ?? []) insertStatus(c, p, r)
        for (const f of bible.facts ?? []) insertFact(c, p, f)
        return Result.succeed(undefined)
      })
      .pipe(mapErr)

  const getProject: StoryStoreShape["getProject"] = (slug) =>
    db
      .use((c) => Option.map(Option.fromNullishOr(c.get<ProjectRow>("SELECT * FROM story_projects WHERE slug = ?", slug)), toProject))
      .pipe(mapErr)

  const listProjects: StoryStoreShape["listProjects"] = db
    .snapshot((c) =>
      c
        .all<ProjectRow & { episodes: number; last_episode: number; characters: number }>(
          `SELECT p.*,
             (SELECT COUNT(*) FROM story_episodes e WHERE e.project = p.slug) AS episodes,
             (SELECT COALESCE(MAX(number), 0) FROM story_episodes e WHERE e.project = p.slug) AS last_episode,
             (SELECT COUNT(*) FROM story_characters ch WHERE ch.project = p.slug) AS characters
           FROM story_projects p ORDER BY p.created_at, p.slug`,
        )
        .map((r): ProjectSummary => ({ project: toProject(r), episodes: r.episodes, lastEpisode: r.last_episode, characters: r.characters }))
    )
    .pipe(mapErr)

  const readBible = (c: Connection, slug: string): Bible => {
    const entities = (kind: string) =>
      c.all<{ id: string; name: string; description: string; first_episode: number | null }>(
        "SELECT id, name, description, first_episode FROM story_entities WHERE project = ? AND kind = ? ORDER BY rowid",
        slug,
        kind,
      )
    const plain = (e: { id: string; name: string; description: string }) => ({ id: e.id, name: e.name, description: e.description })
    const statusHistory = c
      .all<{ character: string; episode: number; status: CharacterStatus; note: string | null; evidence: string | null }>(
        "SELECT character, episode, status, note, evidence FROM story_status_history WHERE project = ? ORDER BY episode, seq",
        slug,
      )
      .map((r): StatusRecord => ({
        character: r.character,
        status: r.status,
        episode: r.episode,
        ...(r.note === null ? {} : { note: r.note }),
        ...(r.evidence === null ? {} : { evidence: JSON.parse(r.evidence) }),
      }))
    const facts = c
      .all<{ text: string; subjects: string; valid_from: number; valid_to: number | null; evidence: string | null }>(
        "SELECT text, subjects, valid_from, valid_to, evidence FROM story_facts WHERE project = ? ORDER BY valid_from, seq",
        slug,
      )
      .map((f): Fact => ({
        text: f.text,
        subjects: JSON.parse(f.subjects),
        validFrom: f.valid_from,
        ...(f.valid_to === null ? {} : { validTo: f.valid_to }),
        ...(f.evidence === null ? {} : { evidence: JSON.parse(f.evidence) }),
      }))
    return {
      characters: c.all<CharacterRow>("SELECT * FROM story_characters WHERE project = ? ORDER BY rowid", slug).map(toCharacter),
      places: entities("place").map((e): Place => (e.first_episode === null ? plain(e) : { ...plain(e), firstEpisode: e.first_episode })),
      factions: entities("faction").map(plain),
      items: entities("item").map(plain),
      worldRules: c.all<{ rule: string }>("SELECT rule FROM story_world_rules WHERE project = ? ORDER BY rowid", slug).map((r) => r.rule),
      relations: c
        .all<{ from_id: string; to_id: string; type: Relation["type"]; since: number; until_episode: number | null }>(
          "SELECT from_id, to_id, type, since, until_episode FROM story_relations WHERE project = ? ORDER BY rowid",
          slug,
        )
        .map((r): Relation => ({
          from: r.from_id,
          to: r.to_id,
          type: r.type,
          since: r.since,
          ...(r.until_episode === null ? {} : { until: r.until_episode }),
        })),
      events: c
        .all<{ episode: number; description: string; characters: string; place: string | null }>(
          "SELECT episode, description, characters, place FROM story_events WHERE project = ? ORDER BY seq",
          slug,
        )
        .map((e): StoryEvent => ({
          episode: e.episode,
          description: e.description,
          characters: JSON.parse(e.characters),
          ...(e.place === null ? {} : { place: e.place }),
        })),
      ...(statusHistory.length > 0 ? { statusHistory } : {}),
      ...(facts.length > 0 ? { facts } : {}),
    }
  }

  /*
   * Every job reads its project's Bible, and reading it whole (every event since episode 1, each a
   * JSON column) grew to the dearest read of a job. A project's Bible changes only by a commit or
   * by its creation, so the last one read is kept (per project, LRU) with SQLite's `data_version`
   * at the read: that number changes when another connection (another process on this data
   * directory) commits anything, and this connection's own writes drop the project's entry
   * themselves. An unchanged number and an entry still there mean the rows are what they were.
   * Since every job follows its project's previous commit, that commit merges its changes into the
   * kept Bible (see `commitEpisode`) rather than dropping it.
   */
  const biblesRead = new Map<string, BibleRead>()
  const BIBLES_KEPT = 64
  /** Counts this connection's writes to any Bible: a merge (see `commitEpisode`) is kept only if none came between. */
  let bibleWrites = 0
  const forgetBible = (slug: string) => {
    bibleWrites++
    biblesRead.delete(slug)
  }
  const keepBible = (slug: string, read: BibleRead) => keepRecent(biblesRead, slug, read, BIBLES_KEPT)

  const getBible: StoryStoreShape["getBible"] = (slug) =>
    db
      .snapshot((c): Result.Result<Bible, ProjectNotFound> => {
        if (c.get(PROJECT_EXISTS, slug) === undefined) return Result.fail(new ProjectNotFound({ slug }))
        // read inside the snapshot, after its first statement: the version of what the reads below see
        const dataVersion = c.get<{ data_version: number }>("PRAGMA data_version")!.data_version
        const known = biblesRead.get(slug)
        const bible = known !== undefined && known.dataVersion === dataVersion ? known.bible : readBible(c, slug)
        keepBible(slug, { dataVersion, bible })
        return Result.succeed(bible)
      })
      .pipe(
        Effect.flatMap((r) => (Result.isSuccess(r) ? Effect.succeed(r.success) : Effect.fail(r.failure))),
        mapErr,
      )

  const commitEpisode: StoryStoreShape["commitEpisode"] = (episode: Episode, changes: BibleChanges, options?: CommitOptions) =>
    Effect.suspend(() => {
      const p = episode.project
      const n = episode.number
      const findings = JSON.stringify(episode.findings)
      let merge: { readonly before: BibleRead | undefined; readonly writes: number } | undefined
      return db
        .transactionResult((c): Result.Result<{ committed: boolean }, ProjectNotFound | StaleCommit> => {
          if (c.get(PROJECT_EXISTS, p) === undefined) return Result.fail(new ProjectNotFound({ slug: p }))
          if (c.get("SELECT 1 AS one FROM story_episodes WHERE project = ? AND number = ?", p, n) !== undefined) {
            // Already committed (a redelivered job): change nothing.
            c.run(DELETE_PROVISIONAL, p, n)
            return Result.succeed({ committed: false })
          }
          if (options?.fence !== undefined) {
            const refused = fenceRefusal(c, p, n, options.fence)
            if (refused !== undefined) return Result.fail(new StaleCommit({ slug: p, episode: n, reason: refused }))
          }
          c.run(
            INSERT_EPISODE,
            p,
            n,
            episode.title,
            episode.body,
            episode.summary,
            episode.charCount,
            findings,
            episode.reward,
            episode.drafts,
            episode.committedAt,
          )
          c.run(DELETE_PROVISIONAL, p, n)
          if (options?.job !== undefined) {
            c.run(INSERT_OUTBOX, p, n, options.job.id, episode.reward, options.job.durationMs, episode.committedAt)
          }
          if (options?.fingerprint !== undefined) {
            c.run("INSERT INTO story_fingerprints (project, number, sentences) VALUES (?, ?, ?)", p, n, JSON.stringify(options.fingerprint))
          }
          const before = biblesRead.get(p)
          forgetBible(p)
          merge = { before, writes: bibleWrites }
          // In `mergeBibleChanges`' order, which the kept Bible is merged with.
          for (const ch of changes.newCharacters ?? []) insertCharacter(c, p, { ...ch, firstEpisode: n })
          for (const id of new Set(changes.appearances)) {
            c.run("INSERT INTO story_appearances (project, character, episode) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", p, id, n)
            c.run("UPDATE story_characters SET last_seen = MAX(COALESCE(last_seen, 0), ?) WHERE project = ? AND id = ?", n, p, id)
          }
          for (const st of changes.statusChanges) {
            const row = c.get<CharacterRow>("SELECT * FROM story_characters WHERE project = ? AND id = ?", p, st.character)
            if (row === undefined) continue
            if (c.get("SELECT 1 AS one FROM story_status_history WHERE project = ? AND character = ?", p, st.character) === undefined) {
              insertStatus(c, p, initialRecord(toCharacter(row)))
            }
            insertStatus(c, p, {
              character: st.character,
              status: st.status,
              episode: n,
              ...(st.note === undefined ? {} : { note: st.note }),
              ...(st.evidence === undefined ? {} : { evidence: st.evidence }),
            })
            c.run("UPDATE story_characters SET status = ?, status_note = ? WHERE project = ? AND id = ?", st.status, st.note ?? null, p, st.character)
          }
          for (const x of changes.newPlaces ?? []) insertPlace(c, p, { ...x, firstEpisode: n })
          for (const r of changes.endedRelations ?? []) c.run(END_RELATION, n, p, r.from, r.to, r.type)
          for (const r of changes.newRelations) insertRelation(c, p, { from: r.from, to: r.to, type: r.type, since: r.since })
          for (const e of changes.events) insertEvent(c, p, e)
          for (const f of changes.facts ?? []) insertFact(c, p, { ...f, validFrom: n })
          return Result.succeed({ committed: true })
        })
        .pipe(
          // Once the transaction is in (not before: one that failed left nothing): the episode as
          // reading its row back gives it, and the Bible as it was read plus what the rows above
          // merged — unless something else has read or written this Bible meanwhile.
          Effect.tap(({ committed }) =>
            Effect.sync(() => {
              if (!committed) return
              rememberRecent(p, { ...episode, findings: JSON.parse(findings) as ReadonlyArray<GuardFinding> })
              if (merge?.before !== undefined && merge.writes === bibleWrites && !biblesRead.has(p)) {
                keepBible(p, { dataVersion: merge.before.dataVersion, bible: mergeBibleChanges(merge.before.bible, changes, n) })
              }
            })
          ),
          mapErr,
        )
    })

  /**
   * Why a commit under fencing token `token` is stale, or undefined when it is not: a later delivery of
   * the job raised the episode's fence past it, or a later episode of the project is committed already
   * (the queue hands episodes out in order, so only an overtaken delivery can get here that late).
   */
  const fenceRefusal = (c: Connection, project: string, episode: number, token: number): string | undefined => {
    const fence = c.get<{ token: number }>("SELECT token FROM story_fences WHERE project = ? AND episode = ?", project, episode)
    if (fence !== undefined && fence.token > token) return `fencing token ${token} is stale: delivery ${fence.token} holds the job`
    const later = c.get<{ number: number }>("SELECT MAX(number) AS number FROM story_episodes WHERE project = ?", project)
    if (later?.number != null && later.number > episode) return `episode ${later.number} is committed already`
    c.run(UPSERT_FENCE, project, episode, token)
    return undefined
  }

  const fenceEpisode: StoryStoreShape["fenceEpisode"] = (slug, episode, token) =>
    db
      .transaction((c) => {
        c.run(UPSERT_FENCE, slug, episode, token)
        return c.get<{ token: number }>("SELECT token FROM story_fences WHERE project = ? AND episode = ?", slug, episode)!.token === token
      })
      .pipe(mapErr)

  const pendingCommits: StoryStoreShape["pendingCommits"] = (limit) =>
    db
      .use((c) =>
        c
          .all<{ project: string; episode: number; job: string; reward: number; duration_ms: number; committed_at: number }>(
            "SELECT project, episode, job, reward, duration_ms, committed_at FROM story_outbox ORDER BY committed_at, project, episode LIMIT ?",
            Math.max(0, Math.floor(limit)),
          )
          .map((r): PendingCommit => ({
            job: r.job,
            project: r.project,
            episode: r.episode,
            reward: r.reward,
            durationMs: r.duration_ms,
            at: r.committed_at,
          }))
      )
      .pipe(mapErr)

  const acknowledgeCommits: StoryStoreShape["acknowledgeCommits"] = (commits) =>
    commits.length === 0 ? Effect.void : db
      .transaction((c) => {
        for (const x of commits) c.run("DELETE FROM story_outbox WHERE project = ? AND episode = ?", x.project, x.episode)
      })
      .pipe(mapErr)

  /*
   * Every job reads its project's fingerprints, one per committed episode, and parsing them all
   * (a JSON column each) grew with the story. A row is inserted once and never changed, so they are
   * kept per project as read (LRU, like the recent episodes below): a job reads the numbers from the
   * primary-key index and parses only the rows it has not seen, its previous episode's. The same
   * objects every time, which lets a stage thread that holds them already be sent their ids only.
   */
  const fingerprintsByProject = new Map<string, Map<number, EpisodeFingerprint>>()
  const FINGERPRINT_PROJECTS = 64

  const fingerprints: StoryStoreShape["fingerprints"] = (slug) =>
    db
      .use((c) => {
        const numbers = c.all<{ number: number }>("SELECT number FROM story_fingerprints WHERE project = ? ORDER BY number", slug)
        const known = fingerprintsByProject.get(slug) ?? new Map<number, EpisodeFingerprint>()
        const out: Array<EpisodeFingerprint> = []
        for (const { number } of numbers) {
          let fingerprint = known.get(number)
          if (fingerprint === undefined) {
            const row = c.get<{ sentences: string }>("SELECT sentences FROM story_fingerprints WHERE project = ? AND number = ?", slug, number)
            if (row === undefined) continue
            fingerprint = { number, sentences: JSON.parse(row.sentences) }
            known.set(number, fingerprint)
          }
          out.push(fingerprint)
        }
        keepRecent(fingerprintsByProject, slug, known, FINGERPRINT_PROJECTS)
        return out
      })
      .pipe(mapErr)

  const stageProvisional: StoryStoreShape["stageProvisional"] = (slug, facts) =>
    db
      .transactionResult((c): Result.Result<void, ProjectNotFound> => {
        if (c.get(PROJECT_EXISTS, slug) === undefined) return Result.fail(new ProjectNotFound({ slug }))
        const committed = c.get("SELECT 1 AS one FROM story_episodes WHERE project = ? AND number = ?", slug, facts.episode) !== undefined
        c.run("DELETE FROM story_provisional WHERE project = ? AND episode < ?", slug, facts.episode)
        if (!committed) c.run(UPSERT_PROVISIONAL, slug, facts.episode, facts.draft, facts.stagedAt, JSON.stringify(facts.changes))
        return Result.succeed(undefined)
      })
      .pipe(mapErr)

  const provisionalFacts: StoryStoreShape["provisionalFacts"] = (slug) =>
    db
      .use((c) =>
        c
          .all<{ episode: number; draft: number; staged_at: number; changes: string }>(
            "SELECT episode, draft, staged_at, changes FROM story_provisional WHERE project = ? ORDER BY episode",
            slug,
          )
          .map((r): ProvisionalFacts => ({ episode: r.episode, draft: r.draft, stagedAt: r.staged_at, changes: JSON.parse(r.changes) }))
      )
      .pipe(mapErr)

  const discardProvisional: StoryStoreShape["discardProvisional"] = (slug, episode) =>
    db.transaction((c) => void c.run(DELETE_PROVISIONAL, slug, episode)).pipe(mapErr)

  const getEpisode: StoryStoreShape["getEpisode"] = (slug, number) =>
    db
      .use((c) =>
        Option.map(
          Option.fromNullishOr(c.get<EpisodeRow>("SELECT * FROM story_episodes WHERE project = ? AND number = ?", slug, number)),
          toEpisode,
        )
      )
      .pipe(mapErr)

  const listEpisodes: StoryStoreShape["listEpisodes"] = (slug) =>
    db
      .use((c) =>
        c
          .all<{ number: number; title: string; char_count: number; reward: number; drafts: number; committed_at: number }>(
            "SELECT number, title, char_count, reward, drafts, committed_at FROM story_episodes WHERE project = ? ORDER BY number",
            slug,
          )
          .map((r): EpisodeSummary => ({
            number: r.number,
            title: r.title,
            charCount: r.char_count,
            reward: r.reward,
            drafts: r.drafts,
            committedAt: r.committed_at,
          }))
      )
      .pipe(mapErr)

  /*
   * A committed episode never changes (its row is inserted once and never updated or deleted), and
   * each job asks for its project's last few: they are kept, per project, as last read. A job then
   * reads the numbers from the primary-key index and the one body it has not seen, instead of three
   * bodies of ~15 kB. A few dozen projects' worth (LRU), to bound the memory.
   */
  const recentByProject = new Map<string, Map<number, Episode>>()
  const RECENT_PROJECTS = 64
  /** An episode this connection just committed: the next job of its project asks for it first. */
  const rememberRecent = (slug: string, episode: Episode) => recentByProject.get(slug)?.set(episode.number, episode)

  const recentEpisodes: StoryStoreShape["recentEpisodes"] = (slug, count) =>
    db
      .use((c) => {
        const numbers = c.all<{ number: number; committed_at: number }>(
          "SELECT number, committed_at FROM story_episodes WHERE project = ? ORDER BY number DESC LIMIT ?",
          slug,
          Math.max(0, Math.floor(count)),
        )
        const known = recentByProject.get(slug)
        const episodes: Array<Episode> = []
        for (let i = numbers.length - 1; i >= 0; i--) {
          const { number: n, committed_at } = numbers[i]!
          const cached = known?.get(n)
          // a project deleted and created again (here or by another process) reuses its numbers
          if (cached !== undefined && cached.committedAt === committed_at) {
            episodes.push(cached)
            continue
          }
          const row = c.get<EpisodeRow>("SELECT * FROM story_episodes WHERE project = ? AND number = ?", slug, n)
          if (row !== undefined) episodes.push(toEpisode(row))
        }
        keepRecent(recentByProject, slug, new Map(episodes.map((e) => [e.number, e])), RECENT_PROJECTS)
        return episodes
      })
      .pipe(mapErr)

  // Every other table references `story_projects` with ON DELETE CASCADE (foreign keys are on).
  const deleteProject: StoryStoreShape["deleteProject"] = (slug) =>
    db
      .transaction((c) => {
        forgetBible(slug)
        recentByProject.delete(slug)
        return c.run("DELETE FROM story_projects WHERE slug = ?", slug).changes > 0
      })
      .pipe(mapErr)

  return StoryStore.of({
    createProject,
    getProject,
    listProjects,
    getBible,
    commitEpisode,
    fenceEpisode,
    pendingCommits,
    acknowledgeCommits,
    fingerprints,
    stageProvisional,
    provisionalFacts,
    discardProvisional,
    getEpisode,
    listEpisodes,
    recentEpisodes,
    deleteProject,
  })
})

const unavailable = (e: SqliteError) => new StoreUnavailable({ message: e.message, cause: e })

/** `StoryStore` on the embedded SQLite database (shares the `Database` connection with the other embedded adapters). */
export const layer: Layer.Layer<StoryStore, StoreUnavailable, Database> = Layer.effect(StoryStore, make)

export const SqliteStoryStore = { make, layer } as const
