/**
 * Where the canary's LLM calls go. The canary runs through the real queue and workers (that is
 * what it checks), so its stages cannot be chosen by a separate pipeline: instead each call asks
 * which project it is made for (the brief's, else the worker's `LlmCallContext`, set around
 * every delivery) and a call for an offline project takes the $0 offline implementation,
 * whatever `llm:` routes the stage to. The canary's project is offline unless
 * `canary.llm: configured`.
 */
import { Effect } from "effect"
import { CANARY_SLUG } from "../../domain/Project.ts"
import { LlmCallContext } from "../../finance/Ledger.ts"
import type { CompletionRequest, LanguageModelShape } from "../../llm/LanguageModel.ts"
import type { CanaryConfig } from "./CanaryConfig.ts"

/** Which projects run every stage offline, whatever the stage's route. */
export type OfflineProjects = (project: string) => boolean

export const NO_OFFLINE_PROJECTS: OfflineProjects = () => false

/** The canary's project, unless the config sends the canary to the configured stages. */
export const offlineProjectsOf = (canary: CanaryConfig | undefined): OfflineProjects =>
  (canary?.llm ?? "offline") === "offline" ? (project) => project === CANARY_SLUG : NO_OFFLINE_PROJECTS

/** The project the current call is made for: the request's brief, else the delivery's call context. */
export const currentCallProject = (request?: CompletionRequest): Effect.Effect<string | null> =>
  Effect.gen(function* () {
    const context = yield* LlmCallContext
    return request?.brief?.project ?? context.project
  })

/** Whether the current call must stay offline. */
export const callRunsOffline = (offline: OfflineProjects, request?: CompletionRequest): Effect.Effect<boolean> =>
  Effect.map(currentCallProject(request), (project) => project !== null && offline(project))

/** The routed model, except that calls for an offline project go to the offline one. */
export const offlineForProjects = (
  offline: OfflineProjects,
  models: { readonly routed: LanguageModelShape; readonly offline: LanguageModelShape },
): LanguageModelShape => ({
  name: models.routed.name,
  complete: (request) =>
    Effect.flatMap(callRunsOffline(offline, request), (stayOffline) =>
      stayOffline ? models.offline.complete(request) : models.routed.complete(request)),
})
