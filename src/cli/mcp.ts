/**
 * `pbe mcp --engine URL [--token T]`: an MCP server on stdio (for Claude Desktop and other MCP
 * clients that start a local process) whose tools call a running engine's HTTP API. Standard
 * output carries only MCP messages; diagnostics go to standard error.
 */
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { createMcpServer } from "../mcp/index.js";
import { ENGINE_HELP, EXIT, runCommand, type CliIo } from "./common.js";

const HELP = `Usage: pbe mcp [--engine URL] [--token TOKEN]

Serves the Model Context Protocol on standard input/output for a running engine: the tools
budget_define, budget_list, budget_delete, budget_compliance, budget_track,
budget_recommendations, budget_report and trace_explain, and resources for budgets and reports
(see docs/mcp.md). Runs until standard input closes or SIGINT/SIGTERM.

The engine also serves MCP itself over Streamable HTTP at POST /mcp on its API port.

Flags:
${ENGINE_HELP}
  -h, --help            this text

Exit codes: 0 stopped, 2 usage error.

Claude Desktop (claude_desktop_config.json):
  { "mcpServers": { "pbe": { "command": "pbe", "args": ["mcp", "--engine", "http://127.0.0.1:8080"],
                             "env": { "PBE_API_TOKEN": "…" } } } }
`;

export interface McpIo extends CliIo {
  stdin?: NodeJS.ReadableStream;
}

export async function mcpCommand(argv: string[], io: McpIo = {}): Promise<number> {
  return runCommand("mcp", argv, io, {}, HELP, async (ctx) => {
    const client = ctx.client();
    const stdin = io.stdin ?? process.stdin;
    const server = createMcpServer(client);
    const transport = new StdioServerTransport(stdin as typeof process.stdin, ctx.stdout as typeof process.stdout);
    const closed = new Promise<void>((resolve) => {
      server.server.onclose = () => resolve();
      stdin.once("end", () => resolve());
      stdin.once("close", () => resolve());
      process.once("SIGINT", () => resolve());
      process.once("SIGTERM", () => resolve());
    });
    await server.connect(transport);
    ctx.stderr.write(`pbe mcp: serving MCP on stdio for the engine at ${client.baseUrl}\n`);
    client.health().then(
      () => undefined,
      (err: unknown) => ctx.stderr.write(`pbe mcp: warning: ${err instanceof Error ? err.message : String(err)}; the tools fail until the engine answers\n`),
    );
    await closed;
    await server.close().catch(() => undefined);
    return EXIT.OK;
  });
}
