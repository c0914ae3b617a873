import type { Command } from "./Command.ts"

const optionLine = (name: string, spec: Command["options"][string]): string => {
  const flag = spec.type === "string" ? `--${name} <${spec.placeholder ?? "value"}>` : `--${name}`
  const short = spec.short ? `-${spec.short}, ` : "    "
  return `  ${short}${flag.padEnd(28)} ${spec.description}`
}

export const commandHelp = (program: string, command: Command): string => {
  const lines = [`Usage: ${program} ${command.usage}`, "", command.summary]
  if (command.details) lines.push("", command.details)
  if (command.subcommands && command.subcommands.length > 0) {
    lines.push("", "Commands:")
    for (const sub of command.subcommands) lines.push(`  ${sub.name.padEnd(16)} ${sub.summary}`)
  }
  const options = Object.entries(command.options)
  lines.push("", "Options:")
  for (const [name, spec] of options) lines.push(optionLine(name, spec))
  lines.push(optionLine("help", { type: "boolean", short: "h", description: "show this help" }))
  return lines.join("\n")
}

export const programHelp = (program: string, version: string, commands: ReadonlyArray<Command>): string =>
  [
    `${program} ${version} — a self-healing web-novel factory (writer → guard → editor → commit)`,
    "",
    `Usage: ${program} <command> [options]`,
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(12)} ${c.summary}`),
    "",
    `Run '${program} <command> --help' for a command's options.`,
    "Configuration: factory.yaml in the data directory (FACTORY_HOME, default ./factory-data) or the environment.",
  ].join("\n")
