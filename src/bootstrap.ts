import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { Settings } from '@rcp/config';
import {
  EtagInterceptor,
  IdempotencyInterceptor,
  ProblemDto,
  ProblemFilter,
  TokenRateLimitGuard,
  createValidationPipe,
  documentApiConventions,
  problemOf,
} from '@rcp/http';
import {
  MetricsService,
  PinoNestLogger,
  RequestContexts,
  acceptCorrelationId,
  acceptTraceparent,
  createRootLogger,
} from '@rcp/observability';
import { AuditWriter, dataSourceOptions, databaseUrls, ensureDatabase, runMigrations, setRuntimeLoginPasswords } from '@rcp/persistence';
import { MIGRATIONS } from '../migrations';
import { AppModule, AppModuleImport } from './app.module';
import { WorkerRuntime } from './platform/worker-runtime';

const OPS_PATHS = new Set(['/healthz', '/readyz', '/metrics', '/version']);

/**
 * As the database owner: creates the database if missing, applies pending migrations (under an advisory
 * lock) and sets the runtime logins' passwords from their URLs. The owner's connection is closed after.
 */
export async function prepareDatabase(settings: Settings): Promise<string[]> {
  await ensureDatabase(settings.DATABASE_URL);
  const ds = new DataSource(dataSourceOptions(settings.DATABASE_URL, 2, MIGRATIONS));
  await ds.initialize();
  try {
    return await runMigrations(ds, (owner) => setRuntimeLoginPasswords(owner, databaseUrls(settings)));
  } finally {
    await ds.destroy();
  }
}

/**
 * The tags operations are grouped by (`@ApiTags`), declared once at the top of the document. Only contexts
 * that serve endpoints are listed: an empty group in Swagger UI would promise an API that is not there.
 */
const API_TAGS: Array<[string, string]> = [
  ['Tenancy', 'Tenant bindings: isolation mode, placement, quotas and lifecycle'],
  ['Inventory', 'Runtime environments and the live inventory of their services'],
  ['Events', 'The event feed and the catalogue of event types'],
  ['Operations', 'Health, readiness, build info, background jobs, event deliveries and the audit log'],
];

/** The OpenAPI 3 document of every controller in the application's module graph. */
export function buildOpenApi(app: INestApplication) {
  const config = new DocumentBuilder()
    .setTitle('Runtime Control Plane API')
    .setDescription(
      'Provision isolated runtime environments, deploy workloads with health-gated rollouts, version configuration, ' +
        'enforce tenant isolation and quotas, and reconcile actual against desired state. Errors are RFC 9457 problem ' +
        'documents (application/problem+json) with a stable `code`. Mutations honour `Idempotency-Key` and `If-Match`.',
    )
    .setVersion('1.0.0')
    .setContact('RCP platform team', 'https://rcp.dev', 'platform@rcp.dev')
    .setLicense('Proprietary', 'https://rcp.dev/license')
    .addServer('/', 'This control plane')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A JWT from your identity provider or `npm run token`' }, 'bearer');
  for (const [name, description] of API_TAGS) config.addTag(name, description);
  const document = SwaggerModule.createDocument(app, config.build(), {
    extraModels: [ProblemDto],
    operationIdFactory: (c, m) => `${c.replace(/Controller$/, '')}_${m}`,
  });
  return documentApiConventions(document);
}

/**
 * Builds the application for the configured role. Used by `main.ts` and by the e2e tests, so the
 * tests exercise exactly what `npm start` runs. `extraModules` (tests only) are added to the module graph.
 */
export async function createApp(settings: Settings, opts: { migrate?: boolean; extraModules?: AppModuleImport[] } = {}): Promise<NestFastifyApplication> {
  if (opts.migrate !== false) await prepareDatabase(settings);
  const logger = createRootLogger(settings.LOG_LEVEL);
  const adapter = new FastifyAdapter({ bodyLimit: settings.BODY_LIMIT_BYTES, trustProxy: settings.TRUST_PROXY === 'true' ? true : settings.TRUST_PROXY === 'false' ? false : settings.TRUST_PROXY, return503OnClosing: true });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(settings, opts.extraModules), adapter, {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  const metrics = app.get(MetricsService);
  const workerOnly = settings.RCP_ROLE === 'worker';

  fastify.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    const correlationId = acceptCorrelationId(req.headers['x-correlation-id']);
    const traceparent = acceptTraceparent(req.headers.traceparent);
    reply.header('x-correlation-id', correlationId);
    reply.header('traceparent', traceparent);
    (req as FastifyRequest & { startedAt: bigint }).startedAt = process.hrtime.bigint();
    const path = req.url.split('?')[0];
    if (workerOnly && !OPS_PATHS.has(path)) {
      const problem = problemOf('not_found', 'This process runs the worker role only; send API calls to an api replica', path, traceparent.split('-')[1]);
      reply.status(404).header('content-type', 'application/problem+json').send(problem);
      return;
    }
    RequestContexts.run({ correlationId, traceparent, ip: req.ip, method: req.method, path }, () => done());
  });
  fastify.addHook('onResponse', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const started = (req as FastifyRequest & { startedAt?: bigint }).startedAt;
    const seconds = started ? Number(process.hrtime.bigint() - started) / 1e9 : 0;
    const route = (req.routeOptions?.url as string | undefined) ?? 'unmatched';
    metrics.httpDuration.observe({ method: req.method, route, status: String(reply.statusCode) }, seconds);
    if (route !== '/metrics' && route !== '/healthz') {
      logger.info(
        { req: { method: req.method, url: req.url.split('?')[0], route }, res: { statusCode: reply.statusCode }, durationMs: Math.round(seconds * 1e4) / 10 },
        'request completed',
      );
    }
    done();
  });

  app.useGlobalFilters(new ProblemFilter(app.get(AuditWriter)));
  app.useGlobalPipes(createValidationPipe());
  // Request pipeline: per-IP rate limit (APP_GUARD of HttpConventionsModule) → authentication and
  // authorization (APP_GUARD of AuthModule) → per-token rate limit (guards added here run after every
  // APP_GUARD) → Idempotency-Key (outermost interceptor, so it records the ETag) → ETag → handler.
  app.useGlobalGuards(app.get(TokenRateLimitGuard));
  app.useGlobalInterceptors(app.get(IdempotencyInterceptor), new EtagInterceptor());
  app.enableShutdownHooks();

  if (!workerOnly) {
    const document = buildOpenApi(app);
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', swaggerOptions: { persistAuthorization: true } });
  }
  await app.init();
  const runtime = app.get(WorkerRuntime);
  runtime.startGauges();
  if (settings.RCP_ROLE !== 'api') runtime.startWorker();
  return app;
}
