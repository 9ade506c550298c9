/**
 * Entry script of one application process in a fault test: the real application (`createApp` from
 * src/bootstrap.ts, the same as `npm start`), configured only through the environment like `npm start`,
 * plus the test-only module of one fixture. Run by the harness ({@link startAppProcess}) as
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register test/faults/support/fault-app.ts
 *
 * Environment, besides every product setting (DATABASE_URL, REDIS_PREFIX, RCP_ROLE, PORT …):
 *   FAULT_FIXTURE  a module under test/faults/ (e.g. `fixtures/probe.fixture`) whose exported
 *                  `FaultFixtureModule` is added with `createApp(settings, { extraModules })`.
 *
 * It prints one line `FAULT_APP_READY {"port":…,"pid":…}` once it listens, and `FAULT_APP_CLOSED` when a
 * graceful shutdown (SIGTERM/SIGINT, Nest's shutdown hooks) has finished, so a test can tell a clean exit
 * from a killed process. Test code only: never imported by the product.
 */
import 'reflect-metadata';
import { Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { resolve, sep } from 'node:path';
import { AddressInfo } from 'node:net';
import { loadSettings } from '@rcp/config';
import { createApp } from '../../../src/bootstrap';
import type { AppModuleImport } from '../../../src/app.module';

@Injectable()
class ShutdownReporter implements OnApplicationShutdown {
  onApplicationShutdown(signal?: string): void {
    process.stdout.write(`FAULT_APP_CLOSED ${JSON.stringify({ signal: signal ?? null, pid: process.pid })}\n`);
  }
}

@Module({ providers: [ShutdownReporter] })
class ShutdownReporterModule {}

function fixtureModule(): AppModuleImport[] {
  const name = process.env.FAULT_FIXTURE;
  if (!name) return [];
  const root = resolve(__dirname, '..');
  const file = resolve(root, name);
  if (!file.startsWith(root + sep)) throw new Error(`FAULT_FIXTURE must name a module under test/faults, not ${name}`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(file) as { FaultFixtureModule?: AppModuleImport };
  if (!mod.FaultFixtureModule) throw new Error(`${name} exports no FaultFixtureModule`);
  return [mod.FaultFixtureModule];
}

async function main(): Promise<void> {
  const settings = loadSettings(process.env);
  const app = await createApp(settings, { migrate: false, extraModules: [...fixtureModule(), ShutdownReporterModule] });
  await app.listen({ port: settings.PORT, host: '127.0.0.1' });
  const { port } = app.getHttpServer().address() as AddressInfo;
  process.stdout.write(`FAULT_APP_READY ${JSON.stringify({ port, pid: process.pid, role: settings.RCP_ROLE })}\n`);
}

main().catch((err: Error) => {
  process.stderr.write(`fault-app: start-up failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
