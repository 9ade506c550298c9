import { DomainError, ValueObject } from '@rcp/ddd';

export const PROJECT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;

/** The project an environment belongs to: a slug like tenant ids (`^[a-z0-9][a-z0-9-]{1,62}$`). */
export class ProjectId extends ValueObject<{ value: string }> {
  private constructor(value: string) {
    super({ value });
  }

  static of(value: string): ProjectId {
    if (typeof value !== 'string' || !PROJECT_ID_PATTERN.test(value)) {
      throw new DomainError('validation_failed', 'projectId must match ^[a-z0-9][a-z0-9-]{1,62}$', { field: 'projectId' });
    }
    return new ProjectId(value);
  }

  get value(): string {
    return this.props.value;
  }
}
