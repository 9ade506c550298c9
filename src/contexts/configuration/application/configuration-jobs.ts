/** Job names of the configuration context, and their payloads. */
export const CONFIGURATION_JOBS = {
  resealSecretBinding: 'configuration.reseal-secret-binding',
  checkSecretBindings: 'configuration.check-secret-bindings',
} as const;

export interface BindingJobPayload {
  bindingId: string;
}

export interface EnvironmentJobPayload {
  environmentId: string;
}
