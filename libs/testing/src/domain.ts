import { DomainError } from '@rcp/ddd';

/** The catalogue code of the DomainError a rule throws, or undefined when it throws nothing (unit tests). */
export function domainErrorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err.code;
    throw err;
  }
  return undefined;
}
