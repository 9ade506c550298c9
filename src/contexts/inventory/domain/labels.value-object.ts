import { DomainError, ValueObject } from '@rcp/ddd';

/** At most this many labels per environment: labels are metadata, not a key-value store. */
export const MAX_LABELS = 32;
/** Kubernetes label key: optional DNS-subdomain prefix and `/`, then a name of up to 63 characters. */
export const LABEL_KEY_PATTERN = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** Kubernetes label value: empty or up to 63 characters, alphanumeric at both ends. */
export const LABEL_VALUE_PATTERN = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
const MAX_KEY_LENGTH = 317; // 253 (prefix) + 1 + 63

/** Well-known labels the control plane itself reads. */
export const LABEL_SIMULATE_FAILURE = 'rcp.dev/simulate-failure';
export const LABEL_SIMULATE_LATENCY_MS = 'rcp.dev/simulate-latency-ms';

/**
 * An environment's labels: bounded in number and shaped like Kubernetes labels, because they are
 * handed to the provisioner and end up on real infrastructure. Immutable once requested.
 */
export class Labels extends ValueObject<Record<string, string>> {
  private constructor(props: Record<string, string>) {
    super(props);
  }

  static of(input: Record<string, string> | undefined | null): Labels {
    const entries = Object.entries(input ?? {});
    if (entries.length > MAX_LABELS) {
      throw new DomainError('validation_failed', `labels may have at most ${MAX_LABELS} entries`, { field: 'labels' });
    }
    const out: Record<string, string> = {};
    for (const [key, value] of entries.sort(([a], [b]) => a.localeCompare(b))) {
      if (key.length > MAX_KEY_LENGTH || !LABEL_KEY_PATTERN.test(key)) {
        throw new DomainError('validation_failed', `label key ${JSON.stringify(key.slice(0, 80))} is not a valid label key`, { field: `labels.${key}` });
      }
      if (typeof value !== 'string' || !LABEL_VALUE_PATTERN.test(value)) {
        throw new DomainError('validation_failed', `label ${key} must be a string of up to 63 characters, alphanumeric at both ends`, { field: `labels.${key}` });
      }
      out[key] = value;
    }
    return new Labels(out);
  }

  get value(): Record<string, string> {
    return { ...this.props };
  }
}
