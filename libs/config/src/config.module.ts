import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { Settings } from './settings';

/** DI token of the validated settings. Inject with `@Inject(SETTINGS_TOKEN)`. */
export const SETTINGS_TOKEN = Symbol('RCP_SETTINGS');

/**
 * Validated settings, handed in when the application module is built (never read at import time), so
 * tests can set per-run values such as the database URL or the Redis prefix before creating the app.
 * `@nestjs/config`'s `ConfigService` serves the same values for code that prefers it.
 */
@Global()
@Module({})
export class RcpConfigModule {
  static forRoot(settings: Settings): DynamicModule {
    return {
      module: RcpConfigModule,
      imports: [ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => ({ ...settings })] })],
      providers: [{ provide: SETTINGS_TOKEN, useValue: settings }],
      exports: [SETTINGS_TOKEN],
    };
  }
}
