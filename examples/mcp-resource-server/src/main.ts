import { startExample } from './index';

const issuer = process.env.HAL_ISSUER ?? 'http://localhost:3000';
const port = Number(process.env.PORT ?? 4000);
const resource = process.env.RESOURCE ?? `http://localhost:${port}/mcp`;
const example = await startExample({ issuer, port, resource });
console.log(`notes MCP server on ${example.url}, protected by ${issuer}`);
