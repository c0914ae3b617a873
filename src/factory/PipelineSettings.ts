import { Context } from "effect"
import type { PipelineConfig } from "../config/FactoryConfig.ts"

/** The pipeline section of the config, as the workers see it. */
export class PipelineSettings extends Context.Service<PipelineSettings, PipelineConfig>()("novel-factory/PipelineSettings") {}
