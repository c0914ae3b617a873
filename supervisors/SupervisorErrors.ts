import { Data } from "effect"

/** `startChild` with an id the supervisor already has. */
export class DuplicateChild extends Data.TaggedError("DuplicateChild")<{
  readonly supervisor: string
  readonly child: string
}> {}

/** `stopChild` of an id the supervisor does not have. */
export class UnknownChild extends Data.TaggedError("UnknownChild")<{
  readonly supervisor: string
  readonly child: string
}> {}

/** The supervisor has stopped (scope closed or escalated) and takes no more orders. */
export class SupervisorStopped extends Data.TaggedError("SupervisorStopped")<{
  readonly supervisor: string
}> {}

/** A dynamic supervisor is at its `maxChildren`. */
export class TooManyChildren extends Data.TaggedError("TooManyChildren")<{
  readonly supervisor: string
  readonly max: number
}> {}
