import { createDatabase, createStores } from '@hal/db';
import { configFrom } from '../env';
import { loadSecretKey } from '../lib/secret-key';
import { Keyring } from '../services/keyring';

// `npm run keys:rotate`: publish and sign with a new key; the old one stays in the JWKS until
// every token it signed has expired. Running servers pick the new key up within a minute.
const config = configFrom(process.env);
const database = createDatabase({ url: config.databaseUrl, dataDir: `${config.dataDir}/pglite` });
await database.migrate();
const keyring = new Keyring(
  createStores(database.db).keys,
  loadSecretKey(config.secretKey, config.dataDir),
  28_800,
);
const kid = await keyring.rotate();
console.log(`new signing key ${kid} is active`);
await database.close();
