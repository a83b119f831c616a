import type { TestProject } from 'vitest/node';
import { findPgBin, removeCluster, startCluster } from './postgres-cluster';
import { scanClusterForSecrets } from './secret-scan';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the throwaway cluster, or '' when PostgreSQL is not installed. */
    pgAdminUrl: string;
  }
}

/** Starts one PostgreSQL cluster for the whole run; each test file creates its own database in it. */
export default async function setup(project: TestProject) {
  const bin = findPgBin();
  if (!bin) {
    if (process.env.HAL_TEST_REQUIRE_POSTGRES === '1') {
      throw new Error('HAL_TEST_REQUIRE_POSTGRES=1 but no PostgreSQL server binaries (initdb) were found');
    }
    console.warn('PostgreSQL not found: database tests run on PGlite only');
    project.provide('pgAdminUrl', '');
    return;
  }
  const cluster = await startCluster(bin);
  project.provide('pgAdminUrl', cluster.url);
  return async () => {
    // Secrets at rest, after the WHOLE suite: every table of every test database is read.
    const findings = await scanClusterForSecrets(cluster.url);
    removeCluster(cluster);
    if (findings.length) throw new Error(`raw secrets stored in the database:\n${findings.join('\n')}`);
    console.info('secrets at rest: every table of every test database scanned, no raw secret found');
  };
}
