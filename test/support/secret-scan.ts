import postgres from 'postgres';

// Raw secrets have recognisable shapes (contract: "Identifiers and secrets"); the test passwords
// all contain "correct horse" (support/browser.ts newAccount).
const RAW_SECRET = /hal_(pat|rt|cs|ws|ses|rss)_[0-9A-Za-z]{43}|correct horse/;

/**
 * After the whole suite: dumps every table of every database the tests created on the PostgreSQL
 * cluster and returns where a raw secret shape was found (empty when none).
 */
export async function scanClusterForSecrets(adminUrl: string): Promise<string[]> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  const findings: string[] = [];
  try {
    const dbs = await admin<
      { datname: string }[]
    >`select datname from pg_database where datname like 'hal_%'`;
    for (const { datname } of dbs) {
      const db = postgres(adminUrl.replace(/\/postgres$/, `/${datname}`), { max: 1, onnotice: () => {} });
      try {
        const tables = await db<{ table_name: string }[]>`
          select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`;
        for (const { table_name } of tables) {
          const rows = await db.unsafe(`select t::text as row from "${table_name}" t`);
          for (const { row } of rows as unknown as { row: string }[]) {
            const match = RAW_SECRET.exec(row);
            if (match) findings.push(`${datname}.${table_name}: ${match[0].slice(0, 12)}…`);
          }
        }
      } finally {
        await db.end();
      }
    }
    return findings;
  } finally {
    await admin.end();
  }
}
