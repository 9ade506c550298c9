/**
 * What an agent may do, one capability per kind of report or action (`report:health`). An agent
 * endpoint names the capability it needs (`@Authorize([...], { capability })`), and naming it is what
 * makes it known: the set grows with the contexts that add agent endpoints, with nothing to edit here.
 * A key is issued with all known capabilities or fewer; its tokens carry them in the `capabilities`
 * claim.
 */
export const CAPABILITY_FORMAT = /^[a-z][a-z0-9-]{0,30}:[a-z][a-z0-9-]{0,62}$/;

/** The capabilities of today's agent endpoints (inventory's actual state, health's reports and metrics). */
export const BASE_AGENT_CAPABILITIES = ['report:actual-state', 'report:health', 'report:metrics'] as const;

const known = new Set<string>(BASE_AGENT_CAPABILITIES);

/** Makes `capability` known (called by `Authorize` for the capability an endpoint requires). */
export function registerAgentCapability(capability: string): void {
  if (!CAPABILITY_FORMAT.test(capability)) throw new Error(`Agent capability "${capability}" must look like "verb:object" (${CAPABILITY_FORMAT})`);
  known.add(capability);
}

/** Every capability an agent endpoint of this build requires, sorted. */
export function knownAgentCapabilities(): string[] {
  return [...known].sort();
}
