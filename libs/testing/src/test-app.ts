import { randomBytes } from 'node:crypto';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DestinationStream } from 'pino';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { loadSettings, Settings } from '../../config/src';
import { LocalTokenSpec, RoleName, signLocalToken } from '../../auth/src';
import { createApp } from '../../../src/bootstrap';
import type { AppModuleImport } from '../../../src/app.module';
import { createTestDatabase, testRedisPrefix } from './test-database';
import { TEST_REDIS_URL } from './test-env';
import { checkedHttp, Http } from './http';
import { OpenApiDocument, OpenApiResponses } from './openapi-responses';

export interface TestApp {
  app: NestFastifyApplication;
  settings: Settings;
  ds: DataSource;
  /** Signs a token the app accepts. */
  token(spec: LocalTokenSpec): string;
  /**
   * Runs SQL as the database owner, outside the application: test set-up and inspection (DDL, bulk
   * rows, triggers, VACUUM), which the runtime logins may not do. Returns the rows (of the last
   * statement, for a multi-statement string).
   */
  asOwner(sql: string, params?: unknown[]): Promise<any>;
  /**
   * A supertest client of the app whose every response is checked against `/docs-json` (status and
   * body: {@link OpenApiResponses}). Use it for every request a test sends.
   */
  http(): Http;
  /** The served OpenAPI document as a response checker (undefined for a worker-only app, which serves none). */
  responses?: OpenApiResponses;
  close(): Promise<void>;
}

/**
 * A random HS256 secret per test process: there is no default secret any more, and a test must never
 * sign with a published one.
 */
export const TEST_JWT_SECRET = randomBytes(32).toString('base64url');

export function testSettings(overrides: Record<string, string> = {}): Settings {
  return loadSettings({
    NODE_ENV: 'test',
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'silent',
    REDIS_URL: TEST_REDIS_URL,
    SIMULATED_LATENCY_MS: '50',
    RELAY_IDLE_MAX_MS: '100',
    // Tests play the agents (PUT …/actual-state); the ones about pulling from the data plane turn it on.
    ACTUAL_STATE_PULL_INTERVAL_SECONDS: '0',
    // Secret bindings are checked when a test asks (POST …/check); the recheck tests turn the schedule on.
    SECRETS_RECHECK_INTERVAL_SECONDS: '0',
    // Health checks and metrics come from the tests (agent reports); the pull tests turn it on.
    HEALTH_PULL_INTERVAL_SECONDS: '0',
    ...overrides,
  });
}

export interface TestAppOptions {
  /** Test-only modules (events, handlers, job handlers) added to the application's module graph. */
  extraModules?: AppModuleImport[];
  /** Receives the server's log lines (set LOG_LEVEL too: tests default to silent). */
  logDestination?: DestinationStream;
}

/**
 * The real application (same `createApp` as `npm start`) on its own database and Redis prefix.
 * Pass `database` to start a second process-like instance on the same database.
 */
export async function startTestApp(
  overrides: Record<string, string> = {},
  database?: { url: string; prefix: string },
  opts: TestAppOptions = {},
): Promise<TestApp & { dbUrl: string; redisPrefix: string; dropDb: () => Promise<void> }> {
  const db = database ? { url: database.url, drop: async () => undefined } : await createTestDatabase();
  const prefix = database?.prefix ?? testRedisPrefix();
  const settings = testSettings({ DATABASE_URL: db.url, REDIS_PREFIX: prefix, ...overrides });
  const app = await createApp(settings, { migrate: false, extraModules: opts.extraModules, logDestination: opts.logDestination });
  await app.getHttpAdapter().getInstance().ready();
  const ds = app.get(DataSource);
  const responses = await servedOpenApi(app);
  let owner: Promise<Client> | undefined;
  const asOwner = async (sql: string, params?: unknown[]) => {
    owner ??= (async () => {
      const c = new Client({ connectionString: db.url, application_name: 'rcp-test-owner' });
      c.on('error', () => undefined); // dropping the database ends it, also after only the app was closed
      await c.connect();
      return c;
    })();
    const result = await (await owner).query(sql, params);
    const results = Array.isArray(result) ? result : [result];
    return results[results.length - 1].rows;
  };
  return {
    app,
    settings,
    ds,
    dbUrl: db.url,
    redisPrefix: prefix,
    dropDb: db.drop,
    token: (spec) => signLocalToken(spec, settings.JWT_SECRET, settings.JWT_ISSUER, settings.JWT_AUDIENCE),
    asOwner,
    http: () => checkedHttp(app.getHttpServer(), responses),
    responses,
    close: async () => {
      if (owner) await (await owner).end().catch(() => undefined);
      await app.close();
      if (!database) await db.drop();
    },
  };
}

/** The document the app serves at `/docs-json` (not counted by the rate limits), if it serves one. */
async function servedOpenApi(app: NestFastifyApplication): Promise<OpenApiResponses | undefined> {
  const res = await app.inject({ method: 'GET', url: '/docs-json' });
  return res.statusCode === 200 ? new OpenApiResponses(res.json() as OpenApiDocument) : undefined;
}

/** Polls until `check` returns a truthy value (or throws, naming `what` and the last error, after `timeoutMs`). */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 10_000, everyMs = 25, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
