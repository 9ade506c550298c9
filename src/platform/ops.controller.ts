import { Controller, Get, Header, HttpCode, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiProperty, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { DataSource, MigrationExecutor } from 'typeorm';
import { Public } from '@rcp/auth';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { RedisProbe } from '@rcp/jobs';
import { MetricsService } from '@rcp/observability';
// Imported (not required) so that `nest build` emits package.json into dist/ where the built app finds it.
import { version as PKG_VERSION } from '../../package.json';

export class VersionResponse {
  @ApiProperty({ example: '0.1.0' }) version: string;
  @ApiProperty({ example: '3f2c1ab' }) commit: string;
  @ApiProperty({ format: 'date-time' }) buildTime: string;
  @ApiProperty({ enum: ['all', 'api', 'worker'] }) role: string;
}

export class ReadinessResponse {
  @ApiProperty({ enum: ['ready', 'not_ready'] }) status: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string', enum: ['up', 'down', 'pending', 'unknown'] },
    description: 'Each dependency: `up`, `down`, migrations `pending`, or `unknown` when it could not be told',
    example: { postgres: 'up', redis: 'up', migrations: 'up' },
  })
  checks: Record<string, string>;
}

const STARTED = new Date().toISOString();

/** Liveness, readiness, Prometheus metrics and build info; no token needed. */
@ApiTags('Operations')
@Controller()
export class OpsController {
  constructor(
    private readonly ds: DataSource,
    private readonly metrics: MetricsService,
    private readonly redis: RedisProbe,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {}

  @Get('healthz')
  @Public()
  @ApiOperation({ summary: 'Liveness: the process is up', description: 'Answers 200 while the process runs; checks no dependency (see /readyz). Not rate limited.' })
  @ApiOkResponse({ description: 'The process is up', schema: { type: 'object', properties: { status: { type: 'string', example: 'ok' } } } })
  healthz(): { status: string } {
    return { status: 'ok' };
  }

  @Get('readyz')
  @Public()
  @ApiOperation({ summary: 'Readiness: Postgres, Redis and migrations', description: '200 when every dependency answers, 503 otherwise.' })
  @ApiOkResponse({ type: ReadinessResponse, description: 'Every dependency answers' })
  @ApiServiceUnavailableResponse({ type: ReadinessResponse, description: 'Not ready: the same body, with the failing check `down` (or migrations `pending`)' })
  async readyz(@Res({ passthrough: true }) reply: FastifyReply): Promise<ReadinessResponse> {
    const checks: Record<string, string> = {};
    const timeout = <T>(p: Promise<T>): Promise<T> => {
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<never>((_, rej) => {
        timer = setTimeout(() => rej(new Error('timeout')), 1500);
      });
      return Promise.race([p, expired]).finally(() => clearTimeout(timer));
    };
    try {
      const pending = await timeout(this.pendingMigrations());
      checks.postgres = 'up';
      checks.migrations = pending ? 'pending' : 'up';
    } catch {
      checks.postgres = 'down';
      checks.migrations = 'unknown';
    }
    checks.redis = (await this.redis.ping()) ? 'up' : 'down';
    const ready = Object.values(checks).every((c) => c === 'up');
    reply.status(ready ? 200 : 503);
    return { status: ready ? 'ready' : 'not_ready', checks };
  }

  /**
   * `SELECT 1`, then whether a migration is pending, on one connection this method takes and always
   * gives back. TypeORM's `DataSource.showMigrations()` gives back the connection it takes only when
   * every query succeeded: under a cancel storm each failed probe kept one pooled connection until the
   * pool was empty and every request of the process waited forever.
   */
  private async pendingMigrations(): Promise<boolean> {
    const runner = this.ds.createQueryRunner();
    try {
      await runner.query('SELECT 1');
      return await new MigrationExecutor(this.ds, runner).showMigrations();
    } finally {
      await runner.release();
    }
  }

  @Get('metrics')
  @Public()
  @ApiOperation({
    summary: 'Prometheus metrics',
    description: 'Metrics in the Prometheus text exposition format 0.0.4: HTTP request durations, outbox and relay, jobs, deliveries, and process metrics. Not rate limited.',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'The metrics of this process',
    content: { 'text/plain': { schema: { type: 'string', example: '# HELP rcp_http_request_duration_seconds ...\n' } } },
  })
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  metricsText(): Promise<string> {
    return this.metrics.render();
  }

  @Get('version')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Build information', description: 'Version, commit and build time of this build, and the role (api, worker or all) this process runs.' })
  @ApiOkResponse({ type: VersionResponse, description: 'Build information of this process' })
  version(): VersionResponse {
    return { version: PKG_VERSION, commit: this.settings.BUILD_COMMIT, buildTime: this.settings.BUILD_TIME || STARTED, role: this.settings.RCP_ROLE };
  }
}
