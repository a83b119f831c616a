import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { ServiceError } from '../services/errors';
import { accountTools } from './account';
import { appTools } from './apps';
import { projectTools } from './projects';
import type { HalTool, ToolContext } from './tool';
import { toolError, toolResult } from './tool';
import { widgetTools } from './widget';

/** Every tool of HAL's MCP server (contract "AI clients"), one group per file. */
export const TOOLS: readonly HalTool[] = [...accountTools, ...projectTools, ...appTools, ...widgetTools];

/** The scope each tool needs, checked before the SDK sees a `tools/call` (step-up, RFC 6750 §3.1). */
export const TOOL_SCOPES: ReadonlyMap<string, string> = new Map(TOOLS.map((t) => [t.name, t.scope]));

const SERVER_INFO = { name: 'hal', title: 'HAL', version: '1.0.0' };
const INSTRUCTIONS =
  "HAL's projects, OAuth apps and widget identities, for the account that authorized this client.";
// Elicitation is the validator's only use and HAL sends none: one instance serves every request,
// instead of the Ajv the SDK would build per server.
const jsonSchemaValidator = new AjvJsonSchemaValidator();

/**
 * An MCP server for one HTTP request and its caller. Stateless by design: whatever a request needs
 * comes with it (its token), so any instance answers any request, and the SDK wants a fresh
 * transport (hence server) per request in that mode. `failure()` is an unexpected error a tool
 * met (a database outage, a bug): the route answers it as the REST API would, not as a tool result.
 */
export function mcpServer(ctx: ToolContext) {
  const server = new McpServer(SERVER_INFO, {
    capabilities: { tools: {} },
    instructions: INSTRUCTIONS,
    jsonSchemaValidator,
  });
  let failure: unknown;
  for (const t of TOOLS) {
    server.registerTool(
      t.name,
      { title: t.title, description: t.description, inputSchema: t.input, annotations: t.annotations },
      async (args: unknown) => {
        try {
          return toolResult(await t.run(ctx, args));
        } catch (error) {
          // MCP tools: a failure the model can act on is a result with isError, not a protocol error.
          if (error instanceof ServiceError) return toolError(error.message);
          failure ??= error;
          return toolError('internal error');
        }
      },
    );
  }
  return { server, failure: () => failure };
}
