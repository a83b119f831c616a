import type { Scope } from '@hal/core';
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { Context } from 'hono';
import type { z } from 'zod';
import type { RouteDeps } from '../http/route-deps';
import type { Env } from '../http/types';
import type { Principal } from '../services/principal';

/** What a tool runs with: the services, the caller, and the HTTP request it came in (rate limits). */
export interface ToolContext {
  s: RouteDeps;
  principal: Principal;
  c: Context<Env>;
}

/**
 * One MCP tool: its input schema (JSON Schema through the SDK), its annotations, the scope a call
 * needs (checked by `routes/mcp.ts` before the SDK sees the message) and a thin call into a service.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/server/tools
 */
export interface HalTool<S extends z.ZodType = z.ZodType> {
  name: string;
  title: string;
  description: string;
  scope: Scope;
  input: S;
  annotations: Pick<ToolAnnotations, 'readOnlyHint' | 'destructiveHint' | 'idempotentHint' | 'openWorldHint'>;
  run(ctx: ToolContext, args: z.output<S>): Promise<Record<string, unknown>>;
}

/** Declares a tool, inferring its arguments from its schema. */
export const tool = <S extends z.ZodType>(definition: HalTool<S>) => definition;

/** HAL's own data, never the open world; read tools change nothing. */
export const READ: HalTool['annotations'] = { readOnlyHint: true, openWorldHint: false };
/** A write that adds or changes, and can be undone by another call. */
export const WRITE: HalTool['annotations'] = {
  readOnlyHint: false,
  destructiveHint: false,
  openWorldHint: false,
};

/** A tool's answer: the data as structured content, and as JSON text for clients that read only text. */
export function toolResult(data: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(data) }], structuredContent: data };
}

/** A failure the caller can act on: a tool result with `isError`, never a protocol error (MCP tools §error handling). */
export function toolError(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}
