import { ActualState } from '@rcp/executor';
import { ObservedState } from '../../application/ports/actual-state-source.port';

/** At most this many services are taken from one answer (the domain caps what an environment may hold anyway). */
const MAX_SERVICES = 1000;

/**
 * The executor protocol's actual state as inventory's observation: one report per service (its primary
 * revision's image and config, all its replicas). The answer comes from outside: anything not of the
 * documented shape is refused here (`invalid` is thrown), and the domain validates the values.
 */
export function observedStateOf(state: ActualState, environmentId: string): ObservedState {
  const invalid = (what: string) => new TypeError(`the actual state of ${environmentId} is invalid: ${what}`);
  if (!state || typeof state !== 'object') throw invalid('not an object');
  if (state.environmentId !== environmentId) throw invalid('it names another environment');
  if (state.environment !== 'present' && state.environment !== 'absent') throw invalid('environment must be present or absent');
  const observedAt = new Date(state.observedAt);
  if (typeof state.observedAt !== 'string' || Number.isNaN(observedAt.getTime())) throw invalid('observedAt');
  if (!Array.isArray(state.services) || state.services.length > MAX_SERVICES) throw invalid(`services must be a list of at most ${MAX_SERVICES}`);
  const services = state.services.map((s, i) => {
    if (!s || typeof s.name !== 'string' || typeof s.image !== 'string') throw invalid(`services[${i}] needs a name and an image`);
    if (!Number.isInteger(s.replicas) || !Number.isInteger(s.readyReplicas)) throw invalid(`services[${i}] replicas`);
    if (s.configChecksum !== null && typeof s.configChecksum !== 'string') throw invalid(`services[${i}].configChecksum`);
    return { name: s.name, image: s.image, replicas: s.replicas, readyReplicas: s.readyReplicas, configChecksum: s.configChecksum };
  });
  return { present: state.environment === 'present', observedAt, services };
}
