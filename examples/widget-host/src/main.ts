import { configFromEnv, type HostConfig } from './config';
import { createHost } from './host';
import { listen } from './serve';

let config: HostConfig;
try {
  config = configFromEnv();
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
const host = createHost(config);
await listen(host);
console.log(`widget host on ${config.publicUrl} (HAL at ${config.halUrl}): open it and click "Connect HAL"`);
