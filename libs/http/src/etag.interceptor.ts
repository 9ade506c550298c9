import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { FastifyReply } from 'fastify';
import { map, Observable } from 'rxjs';
import { etagOf } from './versioning';

/** Serves every single versioned resource with `ETag: "<version>"`. */
@Injectable()
export class EtagInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      map((body) => {
        const v = (body as { version?: unknown } | undefined)?.version;
        if (typeof v === 'number' && !Array.isArray((body as { items?: unknown }).items)) {
          context.switchToHttp().getResponse<FastifyReply>().header('ETag', etagOf(v));
        }
        return body;
      }),
    );
  }
}
