/** Job names of the configuration context, and their payloads. */
export const CONFIGURATION_JOBS = {
  resealSecretBinding: 'configuration.reseal-secret-binding',
} as const;

export interface BindingJobPayload {
  bindingId: string;
}
