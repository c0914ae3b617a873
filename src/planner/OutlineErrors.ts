import { Data } from "effect"

/** A beat whose episode is committed cannot change: the text on the page is what it was written from. */
export class BeatFrozen extends Data.TaggedError("BeatFrozen")<{ readonly project: string; readonly episode: number; readonly action: string }> {
  override get message() {
    return `${this.project}: episode ${this.episode} is written; its beat is frozen (${this.action} refused)`
  }
}

export class BeatNotFound extends Data.TaggedError("BeatNotFound")<{ readonly project: string; readonly episode: number }> {
  override get message() {
    return `${this.project}: no beat for episode ${this.episode}`
  }
}

export class BeatExists extends Data.TaggedError("BeatExists")<{ readonly project: string; readonly episode: number }> {
  override get message() {
    return `${this.project}: episode ${this.episode} already has a beat (edit it instead)`
  }
}

export class ArcNotFound extends Data.TaggedError("ArcNotFound")<{ readonly project: string; readonly arc: string }> {
  override get message() {
    return `${this.project}: no arc '${this.arc}'`
  }
}

export class ThreadNotFound extends Data.TaggedError("ThreadNotFound")<{ readonly project: string; readonly thread: string }> {
  override get message() {
    return `${this.project}: no thread '${this.thread}'`
  }
}

/** An edit that would break the outline's shape (overlapping arcs, a malformed marker, a span ending before it starts …). */
export class InvalidOutlineEdit extends Data.TaggedError("InvalidOutlineEdit")<{ readonly project: string; readonly reason: string }> {
  override get message() {
    return `${this.project}: ${this.reason}`
  }
}

export class OutlineNotFound extends Data.TaggedError("OutlineNotFound")<{ readonly project: string }> {
  override get message() {
    return `no outline for '${this.project}' (it is seeded from the project's template beats on first use)`
  }
}

/** The outline's storage failed (SQLite I/O, Neo4j unreachable …). */
export class OutlineUnavailable extends Data.TaggedError("OutlineUnavailable")<{ readonly message: string; readonly cause?: unknown }> {}

export type OutlineEditError = BeatFrozen | BeatNotFound | BeatExists | ArcNotFound | ThreadNotFound | InvalidOutlineEdit
