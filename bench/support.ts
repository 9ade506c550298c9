import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { Settings, loadSettings } from '../libs/config/src/settings';

/** What a benchmark runs on: a database of its own and the settings of the real app on it. */
export interface BenchDatabase {
  /** `rcp_bench_<random>`; the app creates it when it starts. */
  name: string;
  /** The api role, logs off, a random JWT secret, rate limits out of the way; plus the bench's overrides. */
  settings: Settings;
}

/**
 * Runs a benchmark on a fresh database, drops the database afterwards whatever happened, and prints the
 * lines the benchmark returns (the process exits 0, or 1 with the error).
 */
export function runBench(body: (db: BenchDatabase) => Promise<string[]>, overrides: Record<string, string> = {}): void {
  const name = `rcp_bench_${randomUUID().slice(0, 8)}`;
  const admin = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  const run = async (): Promise<string[]> => {
    await admin.connect();
    try {
      const settings = loadSettings({
        ...process.env,
        DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${name}`,
        REDIS_PREFIX: `rcp-bench-${name}`,
        RCP_ROLE: 'api',
        LOG_LEVEL: 'silent',
        JWT_SECRET: randomBytes(32).toString('base64url'),
        RATE_LIMIT_PER_MINUTE: '1000000',
        RATE_LIMIT_IP_PER_MINUTE: '1000000',
        ...overrides,
      });
      return await body({ name, settings });
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await admin.end();
    }
  };
  run().then(
    (lines) => {
      console.log(lines.join('\n'));
      process.exit(0);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
