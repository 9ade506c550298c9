import 'reflect-metadata';
import { config as loadDotenv } from 'dotenv';
import { loadSettings, SettingsError } from '@rcp/config';
import { createApp } from './bootstrap';

/** `npm start`: validates settings, migrates, and serves the configured role (default: all). */
async function main(): Promise<void> {
  loadDotenv({ quiet: true } as never);
  let settings;
  try {
    settings = loadSettings();
  } catch (err) {
    if (err instanceof SettingsError) {
      process.stderr.write(`rcp: ${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
  const app = await createApp(settings);
  await app.listen({ port: settings.PORT, host: settings.HOST });
  process.stdout.write(
    JSON.stringify({ level: 'info', msg: `rcp ${settings.RCP_ROLE} role listening on http://${settings.HOST}:${settings.PORT} (Swagger UI at /docs)` }) + '\n',
  );
}

main().catch((err: Error) => {
  process.stderr.write(`rcp: start-up failed: ${err.message}\n`);
  process.exit(1);
});
