import { CanActivate, ExecutionContext, Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { ProblemException } from '@rcp/http';
import { RequestContexts } from '@rcp/observability';
import { IsIn, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { FastifyInstance, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { basePathOf, verifyExecutorMessage } from './signature';

/**
 * Where executors call back (docs/executor-protocol.md): `…/{operationId}` for environment operations
 * (inventory), `…/scaling/{operationId}` for scale operations (health). Every route under it keeps its raw
 * body and is authenticated by the executor's signature.
 */
export const EXECUTOR_CALLBACK_PREFIX = '/v1/executor-callbacks/';
/** Callbacks are small; a bigger body is refused before it is buffered. */
export const MAX_CALLBACK_BYTES = 64 * 1024;

export type RawBodyRequest = FastifyRequest & { rawBody?: Buffer };

/**
 * Keeps the exact bytes of executor callbacks (`request.rawBody`): an HMAC must be checked over what
 * was sent, not over JSON re-serialized after parsing. A `preParsing` hook that passes every other route
 * through untouched; registered before the server is ready, which is when Fastify attaches hooks to
 * routes. Provided once, by the platform module.
 */
@Injectable()
export class ExecutorCallbackRawBody implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify?.addHook) return;
    fastify.addHook('preParsing', async (req: RawBodyRequest, _reply, payload) => {
      if (!req.routeOptions?.url?.startsWith(EXECUTOR_CALLBACK_PREFIX)) return payload;
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of payload) {
        const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
        size += buf.length;
        if (size > MAX_CALLBACK_BYTES) throw Object.assign(new Error('callback body too large'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
        chunks.push(buf);
      }
      req.rawBody = Buffer.concat(chunks);
      const replay = Readable.from([req.rawBody]) as Readable & { receivedEncodedLength?: number };
      replay.receivedEncodedLength = req.rawBody.length;
      return replay;
    });
  }
}

/**
 * Authenticates an executor callback by its HMAC signature over timestamp, method, path and raw body
 * (the route is `@Public()`: executors hold the shared secret, not a JWT). The path checked is the
 * request target under `PUBLIC_BASE_URL`'s path, i.e. the `callbackUrl` the executor was given, so a
 * callback signed for one operation is refused on any other operation's URL. Runs before validation,
 * so an unsigned or forged request learns nothing but 401 (audited) and changes nothing. A verified
 * callback acts as the system (`executor`), with platform scope to find the operation's environment
 * whoever's it is.
 */
@Injectable()
export class ExecutorSignatureGuard implements CanActivate {
  private readonly basePath: string;

  constructor(@Inject(SETTINGS_TOKEN) private readonly settings: Settings) {
    this.basePath = basePathOf(settings.PUBLIC_BASE_URL);
  }

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<RawBodyRequest>();
    const check = verifyExecutorMessage(
      this.settings.EXECUTOR_SECRET,
      req.headers,
      { method: req.method, path: `${this.basePath}${req.url}`, body: req.rawBody },
      Math.floor(Date.now() / 1000),
    );
    if (!check.ok) throw new ProblemException('unauthenticated', `Executor callback refused: ${check.reason}`);
    RequestContexts.setActor({ sub: 'executor', kind: 'system', tenantId: null, roles: ['system'] });
    return true;
  }
}

/** The body of every executor callback. */
export class ExecutorCallbackRequest {
  @ApiProperty({ description: 'Unique id of this callback; a callback id already applied is not applied again', example: 'cb-6f1c2a9e-4b7d-4e55-9a0f-2b1e6c1d9a77' })
  @IsString() @MinLength(1) @MaxLength(128) @Matches(/^[A-Za-z0-9._:-]+$/)
  callbackId: string;

  @ApiProperty({ enum: ['running', 'succeeded', 'failed'], example: 'succeeded', description: '`running` is progress only; `succeeded` or `failed` completes the operation' })
  @IsIn(['running', 'succeeded', 'failed'])
  status: 'running' | 'succeeded' | 'failed';

  @ApiPropertyOptional({ maxLength: 1000, example: 'quota of the cloud account reached in eu-west-1', description: 'Why the operation failed, in words a user can act on (required when failed)' })
  @IsOptional() @IsString() @MaxLength(1000)
  reason?: string;
}
