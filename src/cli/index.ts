import { readFileSync } from "node:fs";
import { benchCommand } from "../bench/cli.js";
import { loadgenCommand } from "../loadgen/cli.js";
import { alertsCommand } from "./alerts.js";
import { budgetsCommand } from "./budgets.js";
import { complianceCommand } from "./compliance.js";
import { defineCommand } from "./define.js";
import { demoCommand } from "./demo.js";
import { explainCommand } from "./explain.js";
import { mcpCommand } from "./mcp.js";
import { recommendationsCommand } from "./recommendations.js";
import { reportCommand } from "./report.js";
import { serveCommand } from "./serve.js";
import { trackCommand } from "./track.js";

type Command = { summary: string; run: (argv: string[]) => Promise<number> };

const COMMANDS: Record<string, Command> = {
  serve: { summary: "run the engine (OTLP receivers, evaluation, API)", run: serveCommand },
  demo: { summary: "the engine with a simulated shop and a scripted incident, live in the terminal, and an HTML report", run: (argv) => demoCommand(argv) },
  loadgen: { summary: "send realistic OTLP load to a receiver", run: loadgenCommand },
  bench: { summary: "benchmark the engine end to end against the transport ceiling", run: benchCommand },
  alerts: { summary: "follow the alert stream on NATS (durable JetStream consumer)", run: (argv) => alertsCommand(argv) },
  report: { summary: "write an HTML, Markdown or JSON report from a running engine", run: (argv) => reportCommand(argv) },
  mcp: { summary: "serve MCP on stdio for a running engine (for Claude Desktop and other MCP clients)", run: (argv) => mcpCommand(argv) },
  define: { summary: "validate a budget file and define its budgets (--dry-run: validate only)", run: (argv) => defineCommand(argv) },
  budgets: { summary: "list the defined budgets", run: (argv) => budgetsCommand(argv) },
  compliance: { summary: "a service's budgets against their thresholds (exit 1 when one is violated)", run: (argv) => complianceCommand(argv) },
  track: { summary: "a service's budgets over time: sparklines, trend and forecast", run: (argv) => trackCommand(argv) },
  recommendations: { summary: "evidence-based recommendations for a service's budgets", run: (argv) => recommendationsCommand(argv) },
  explain: { summary: "one trace's critical path: components, edges and their shares", run: (argv) => explainCommand(argv) },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `Usage: pbe <command> [flags]\n\nPerformance Budget Engine: latency, resource, throughput and cost budgets from OpenTelemetry.\n\nCommands:\n${lines.join("\n")}\n\nRun 'pbe <command> --help' for a command's flags.\n`;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

/** Runs the CLI; returns the process exit code. */
export async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-v") {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`pbe: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  return command.run(rest);
}
