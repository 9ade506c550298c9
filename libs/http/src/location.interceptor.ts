import { CallHandler, ExecutionContext, NestInterceptor, UseInterceptors } from '@nestjs/common';
import { FastifyReply } from 'fastify';
import { map, Observable } from 'rxjs';

/**
 * Sets `Location` on a successful response from a template whose `:field`s are read from the response
 * body, e.g. `/v1/environments/:id`: the handler returns its view and nothing else.
 */
class LocationInterceptor implements NestInterceptor {
  constructor(private readonly template: string) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      map((body) => {
        const fields = body as Record<string, unknown>;
        const location = this.template.replace(/:(\w+)/g, (_, field: string) => encodeURIComponent(String(fields[field])));
        context.switchToHttp().getResponse<FastifyReply>().header('Location', location);
        return body;
      }),
    );
  }
}

/** Answers with `Location: <template>`, each `:field` taken from the response body. */
export const LocationOf = (template: string) => UseInterceptors(new LocationInterceptor(template));
