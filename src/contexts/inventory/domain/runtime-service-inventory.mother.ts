import { RuntimeServiceInventory } from './runtime-service-inventory.aggregate';
import { ServiceReport } from './runtime-service.entity';
import { ENV_ID, T0 } from './runtime-environment.mother';

/** A reported service with sensible defaults: `aService('api', { replicas: 3 })`. */
export function aService(name: string, patch: Partial<ServiceReport> = {}): ServiceReport {
  return { name, image: `registry.example.com/${name}:1.0.0`, replicas: 2, readyReplicas: 2, configChecksum: `sha256:${name}-1`, ...patch };
}

/** Seconds after T0, as a Date (reports are ordered by their observedAt). */
export const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

/**
 * Object mother for an environment's service inventory: `anInventory().withServices(aService('api')).build()`
 * gives a persisted inventory whose first report (at T0 + 1 s) carried those services.
 */
export function anInventory() {
  let services: ServiceReport[] = [];
  let maxServices: number | null = null;
  const b = {
    withServices(...s: ServiceReport[]) {
      services = s;
      return b;
    },
    withQuota(max: number) {
      maxServices = max;
      return b;
    },
    build(): RuntimeServiceInventory {
      const inv = RuntimeServiceInventory.empty({ environmentId: ENV_ID, tenantId: 'acme', projectId: 'web' });
      if (services.length > 0) inv.applyReport({ observedAt: at(1), services }, maxServices, at(1));
      inv.pullEvents();
      inv.markPersisted(1);
      return inv;
    },
  };
  return b;
}
