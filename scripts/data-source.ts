/**
 * The TypeORM data source of the TypeORM CLI (`npm run migration:generate -- migrations/<timestamp>-<context>-<what>`).
 * Reads DATABASE_URL like the app does; entities are loaded from the contexts so generation can diff them.
 */
import 'reflect-metadata';
import { config as loadDotenv } from 'dotenv';
import { DataSource } from 'typeorm';
import { loadSettings } from '../libs/config/src/settings';
import { dataSourceOptions } from '../libs/persistence/src/database';
import { MIGRATIONS } from '../migrations';

loadDotenv({ quiet: true } as never);
const settings = loadSettings();

export default new DataSource({
  ...dataSourceOptions(settings.DATABASE_URL, 2, MIGRATIONS),
  entities: [__dirname + '/../src/contexts/*/infrastructure/*.orm-entity.{ts,js}'],
});
