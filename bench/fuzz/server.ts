import { configFrom, startServer } from '@hal/auth-server';

/** HAL as the fuzz runs it: a child process configured by its environment; `READY {url, pid}` once up. */
const server = await startServer(configFrom(process.env));
console.log(`READY ${JSON.stringify({ url: server.url, pid: process.pid })}`);
process.on('SIGTERM', async () => {
  await server.close();
  process.exit(0);
});
