import { DomainError, ValueObject } from '@rcp/ddd';

/** An RFC 1123 DNS label: it becomes part of a namespace name, so it must be one. */
export const ENVIRONMENT_NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** An environment's name: a DNS label, unique per tenant and project among live environments. */
export class EnvironmentName extends ValueObject<{ value: string }> {
  private constructor(value: string) {
    super({ value });
  }

  static of(value: string): EnvironmentName {
    if (typeof value !== 'string' || !ENVIRONMENT_NAME_PATTERN.test(value)) {
      throw new DomainError('validation_failed', 'name must be a DNS label: ^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$', { field: 'name' });
    }
    return new EnvironmentName(value);
  }

  get value(): string {
    return this.props.value;
  }
}

export type EnvironmentType = 'development' | 'staging' | 'production';
export const ENVIRONMENT_TYPES: readonly EnvironmentType[] = ['development', 'staging', 'production'];

export const REGION_PATTERN = /^[a-z][a-z0-9-]{1,62}$/;
