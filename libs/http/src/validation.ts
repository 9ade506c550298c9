import { ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError, ProblemException } from './problem';

/**
 * Constraints that say what kind of value a field takes. When one of them fails, the others (length,
 * range, pattern) say nothing useful, so the message is the type's.
 */
const TYPE_CONSTRAINTS = [
  'isDefined',
  'isString',
  'isInt',
  'isNumber',
  'isBoolean',
  'isArray',
  'isObject',
  'nestedValidation',
  'isIn',
  'isEnum',
  'isUuid',
  'isIso8601',
  'isRfc3339',
  'isDateString',
];

/** class-validator's default wordings, rewritten to the API's style: a short phrase that starts with "is" or "must". */
const REWRITES: Array<[RegExp, string]> = [
  [/^(?:each value in )?nested property \S+ must be either object or array$/, 'must be an object'],
  [/^must be one of the following values: /, 'must be one of: '],
  [/^must be longer than or equal to 1 characters$/, 'must not be empty'],
  [/^must be longer than or equal to (\d+) characters$/, 'must be at least $1 characters long'],
  [/^must be shorter than or equal to (\d+) characters$/, 'must be at most $1 characters long'],
  [/^must not be less than (\S+)$/, 'must be at least $1'],
  [/^must not be greater than (\S+)$/, 'must be at most $1'],
  [/^must be an integer number$/, 'must be an integer'],
  [/^must contain no more than (\d+) elements$/, 'must have at most $1 items'],
  [/^must contain at least (\d+) elements$/, 'must have at least $1 items'],
  [/^must match (\/.*\/) regular expression$/, 'must match $1'],
  [/^must be a valid ISO 8601 date string$/, 'must be an RFC 3339 date-time'],
];

/** One message without the field's name in it (the field is given separately), in the API's style. */
function phrase(message: string, property: string): string {
  let m = message.trim();
  if (m.startsWith(`${property} `)) m = m.slice(property.length + 1);
  m = m.replace(new RegExp(`^each value in ${property.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `), 'each value ');
  for (const [pattern, replacement] of REWRITES) m = m.replace(pattern, replacement);
  return m;
}

/** The one message of a field that failed: required when absent, else its type's, else its first rule's. */
function messageOf(e: ValidationError): string | undefined {
  const constraints = e.constraints ?? {};
  const names = Object.keys(constraints);
  if (!names.length) return undefined;
  if (constraints.whitelistValidation) return 'is not a known field';
  const element = /^\d+$/.test(e.property);
  if (!element && (e.value === undefined || e.value === null)) return 'is required';
  const type = TYPE_CONSTRAINTS.find((c) => constraints[c] !== undefined);
  // class-validator lists a property's rules in reverse order of declaration: the last one listed is the first declared.
  return phrase(constraints[type ?? names[names.length - 1]], e.property);
}

/**
 * Every field that failed, once, at its full path (`quotas.maxEnvironments`, `services[0].image`), with
 * one message that does not repeat the field's name: `is required` when it is absent, `is not a known
 * field` when it should not be there, otherwise what its value must be.
 */
export function fieldErrors(errors: ValidationError[], prefix = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const field = prefix ? (/^\d+$/.test(e.property) ? `${prefix}[${e.property}]` : `${prefix}.${e.property}`) : e.property;
    const message = messageOf(e);
    if (message) out.push({ field, message });
    if (e.children?.length) out.push(...fieldErrors(e.children, field));
  }
  return out;
}

/**
 * The global validation pipe: unknown fields are refused (never silently dropped), values are
 * transformed to their DTO types, and failures are a `validation_failed` problem listing every field
 * (`errors`), its `detail` naming each field once: `displayName is required; quotas.maxEnvironments
 * must be at least 1`. Values are read to tell a missing field from a wrong one, and never echoed.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: true },
    exceptionFactory: (errors) => {
      const fields = fieldErrors(errors);
      return new ProblemException('validation_failed', fields.map((f) => `${f.field} ${f.message}`).join('; ') || 'The request is not valid', {
        errors: fields,
      });
    },
  });
}
