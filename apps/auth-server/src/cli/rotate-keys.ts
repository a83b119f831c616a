import { createDatabase, createStores } from '@hal/db';
import { configFrom } from '../env';
import { loadSecretKey } from '../lib/secret-key';
import { longestTokenLifetime } from '../services';
import { Keyring } from '../services/keyring';

// `npm run keys:rotate`: publish and sign with a new key; the old one stays in the JWKS until
// every token it signed has expired. Running servers pick the new key up within a minute.
const config = configFrom(process.env);
const database = createDatabase({ url: config.databaseUrl, dataDir: `${config.dataDir}/pglite` });
await database.migrate();
const keyring = new Keyring(
  createStores(database.db).keys,
  loadSecretKey(config.secretKey, config.dataDir),
  longestTokenLifetime(config),
);
try {
  // The current key must open first: sealed with another HAL_SECRET_KEY than the servers' (or
  // with one generated here because none was set), the new key would be one no server can use.
  await keyring.reload();
} catch (error) {
  console.error((error as Error).message);
  await database.close();
  process.exit(1);
}
const kid = await keyring.rotate();
console.log(`new signing key ${kid} is active`);
await database.close();
