import { AgentEnrollment } from './agent-enrollment';
import { AgentKey } from './agent-key';

/** Enrollments, in the caller's transaction and tenant (row-level security). */
export abstract class AgentEnrollmentRepository {
  abstract add(enrollment: AgentEnrollment): Promise<void>;
  /** The enrollment with this lookup, locked until the transaction ends (one redemption at a time). */
  abstract lockByLookup(lookup: string): Promise<AgentEnrollment | null>;
  /** Writes a redemption (only an unredeemed enrollment can take one). */
  abstract saveRedemption(enrollment: AgentEnrollment): Promise<void>;
}

/** Agent keys, in the caller's transaction and tenant (row-level security). */
export abstract class AgentKeyRepository {
  abstract add(key: AgentKey): Promise<void>;
  abstract findById(id: string): Promise<AgentKey | null>;
  abstract findByLookup(lookup: string): Promise<AgentKey | null>;
  /** Saves a change with a version check (`concurrent_modification` when another came first). */
  abstract save(key: AgentKey): Promise<void>;
  /** Remembers a token exchange (not a change of the key: its version stays). */
  abstract recordUse(key: AgentKey): Promise<void>;
  abstract activeOf(environmentId: string): Promise<AgentKey[]>;
  /** A page in creation order after the cursor. */
  abstract page(environmentId: string, includeRevoked: boolean, limit: number, after?: { t: string; id: string }): Promise<AgentKey[]>;
}
