import 'reflect-metadata';
import { AddressInfo } from 'node:net';
import { relative } from 'node:path';
import { config as loadDotenv } from 'dotenv';
import { loadSettings, resolveJwtSecret, SettingsError } from '@rcp/config';
import { startTracing } from '@rcp/observability';
import { createApp } from './bootstrap';

const info = (msg: string) => process.stdout.write(JSON.stringify({ level: 'info', msg }) + '\n');

/**
 * `npm start`: validates settings, gives the process its JWT secret (generated into JWT_SECRET_FILE on
 * the first start when none is configured), starts tracing when the OTEL_* variables ask for it,
 * migrates, and serves the configured role (default: all).
 */
async function main(): Promise<void> {
  loadDotenv({ quiet: true } as never);
  let settings;
  try {
    const resolved = resolveJwtSecret(loadSettings());
    settings = resolved.settings;
    if (resolved.file) {
      const where = relative(process.cwd(), resolved.file) || resolved.file;
      info(`${resolved.source === 'generated' ? 'generated a random JWT secret in' : 'JWT secret read from'} ${where} (npm run token signs with it)`);
    }
  } catch (err) {
    if (err instanceof SettingsError) {
      process.stderr.write(`rcp: ${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
  // Before the application exists, so every span of it is traced; its shutdown flushes them.
  if (startTracing({ role: settings.RCP_ROLE })) info('tracing on: spans are exported as the OTEL_* variables configure');
  const app = await createApp(settings);
  await app.listen({ port: settings.PORT, host: settings.HOST });
  const { port } = app.getHttpServer().address() as AddressInfo;
  info(`rcp ${settings.RCP_ROLE} role listening on http://${settings.HOST}:${port} (Swagger UI at /docs)`);
}

main().catch((err: Error) => {
  process.stderr.write(`rcp: start-up failed: ${err.message}\n`);
  process.exit(1);
});
