import { Injectable, PipeTransform } from '@nestjs/common';
import { ProblemException } from './problem';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a string is a UUID, the form of every resource id but tenants' and deliveries'. */
export const isUuid = (value: string): boolean => UUID.test(value);

/**
 * A UUID path parameter: anything else names no resource, so it is `404 not_found` (as an unknown id
 * is), decided at the edge instead of by each repository, and never reaches a `uuid` column as a
 * query error. Use as `@Param('id', UuidParam) id: string`.
 */
@Injectable()
export class UuidParam implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isUuid(value)) throw new ProblemException('not_found', `No resource has the id ${JSON.stringify(value.slice(0, 100))}: ids are UUIDs`);
    return value;
  }
}

/** A path number such as a version (`/config-versions/3`): a positive integer, else 404 at the edge (nothing has that number). */
@Injectable()
export class PositiveIntParam implements PipeTransform<string | number, number> {
  transform(value: string | number): number {
    // The global validation pipe may have turned the segment into a number (NaN for `abc`) already.
    const text = String(value);
    if (!/^[1-9]\d{0,9}$/.test(text) || +text > 2147483647) throw new ProblemException('not_found', `No resource has the number ${JSON.stringify(text.slice(0, 100))}: numbers are positive integers`);
    return +text;
  }
}
