import { Cause, Data, Option } from "effect"
import { errorMessage } from "../src/util/ErrorMessage.ts"

/**
 * A supervisor gave up: a child exceeded the restart intensity (or its back-off
 * schedule ended). The supervisor stopped all its children and fails to its
 * parent with this error; `cause` is the exit cause of the child that broke the
 * camel's back, so through nested supervisors the chain of `cause`s reaches the
 * original failure (see {@link rootCause}).
 */
export class SupervisorEscalation extends Data.TaggedError("SupervisorEscalation")<{
  /** Path of the supervisor that gave up, e.g. `factory/writers`. */
  readonly supervisor: string
  /** The child whose exit exceeded the intensity. */
  readonly child: string
  readonly reason: "intensity" | "backoff-exhausted"
  readonly cause: Cause.Cause<unknown>
}> {
  override get message(): string {
    const why = this.reason === "intensity" ? "exceeded the restart intensity" : "exhausted its back-off schedule"
    const root = rootCause(this.cause)
    const first = Cause.squash(root)
    const original = errorMessage(first)
    return `supervisor ${this.supervisor}: child ${this.child} ${why}; original cause: ${original}`
  }
}

/** A permanent child that returned normally has no failure to carry; this stands in for it. */
export class ChildExitedUnexpectedly extends Data.TaggedError("ChildExitedUnexpectedly")<{
  readonly supervisor: string
  readonly child: string
}> {
  override get message(): string {
    return `child ${this.child} of ${this.supervisor} exited although it is permanent`
  }
}

const escalationIn = (cause: Cause.Cause<unknown>): Option.Option<SupervisorEscalation> => {
  const error = Cause.findErrorOption(cause)
  if (Option.isSome(error) && error.value instanceof SupervisorEscalation) return Option.some(error.value)
  // A nested supervisor run as a child may also surface as a defect if someone `orDie`d it.
  for (const reason of cause.reasons) {
    if (Cause.isDieReason(reason) && reason.defect instanceof SupervisorEscalation) return Option.some(reason.defect)
  }
  return Option.none()
}

/** Follows nested escalations down to the cause that started it all. */
export const rootCause = (cause: Cause.Cause<unknown>): Cause.Cause<unknown> => {
  let current = cause
  for (;;) {
    const escalation = escalationIn(current)
    if (Option.isNone(escalation)) return current
    current = escalation.value.cause
  }
}

/** The supervisors an escalation passed through, outermost first. */
export const escalationPath = (error: SupervisorEscalation): ReadonlyArray<string> => {
  const path = [error.supervisor]
  let current = escalationIn(error.cause)
  while (Option.isSome(current)) {
    path.push(current.value.supervisor)
    current = escalationIn(current.value.cause)
  }
  return path
}
