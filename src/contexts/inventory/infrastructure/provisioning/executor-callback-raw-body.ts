import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FastifyInstance, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';

/** Route whose raw body is kept for signature verification. */
export const EXECUTOR_CALLBACK_ROUTE = '/v1/executor-callbacks/:operationId';
/** Callbacks are small; a bigger body is refused before it is buffered. */
export const MAX_CALLBACK_BYTES = 64 * 1024;

export type RawBodyRequest = FastifyRequest & { rawBody?: Buffer };

/**
 * Keeps the exact bytes of executor callbacks (`request.rawBody`): an HMAC must be checked over what
 * was sent, not over JSON re-serialized after parsing. A `preParsing` hook scoped to the one route,
 * so no other request pays for it; registered before the server is ready, which is when Fastify
 * attaches hooks to routes.
 */
@Injectable()
export class ExecutorCallbackRawBody implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify?.addHook) return;
    fastify.addHook('preParsing', async (req: RawBodyRequest, _reply, payload) => {
      if (req.routeOptions?.url !== EXECUTOR_CALLBACK_ROUTE) return payload;
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
