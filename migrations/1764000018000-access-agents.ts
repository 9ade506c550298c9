import { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE, PLATFORM_ROLE, grantSchema, tenantIsolation } from './rls';

/**
 * The access module: agent enrollments (one-time tokens, stored hashed), agent keys (stored hashed,
 * found by their lookup), and its read model of inventory's environments. Every table is tenant-owned,
 * under row-level security; only the lookup of a presented credential reads across tenants (platform
 * scope), and it reads the tenant and nothing else.
 */
export class AccessAgents1764000018000 implements MigrationInterface {
  name = 'AccessAgents1764000018000';

  async up(q: QueryRunner): Promise<void> {
    const sql = [
      `CREATE SCHEMA access`,
      ...grantSchema('access'),
      `CREATE TABLE access.agent_enrollments (
         id uuid PRIMARY KEY,
         tenant_id text NOT NULL,
         project_id text NOT NULL,
         environment_id uuid NOT NULL,
         lookup text NOT NULL UNIQUE,
         secret_hash text NOT NULL,
         capabilities text[] NOT NULL,
         expires_at timestamptz NOT NULL,
         created_by text NOT NULL,
         created_at timestamptz NOT NULL,
         redeemed_at timestamptz,
         agent_key_id uuid,
         CHECK ((redeemed_at IS NULL) = (agent_key_id IS NULL))
       )`,
      `CREATE INDEX agent_enrollments_environment ON access.agent_enrollments (environment_id, created_at)`,
      `CREATE TABLE access.agent_keys (
         id uuid PRIMARY KEY,
         tenant_id text NOT NULL,
         project_id text NOT NULL,
         environment_id uuid NOT NULL,
         prefix text NOT NULL,
         lookup text NOT NULL UNIQUE,
         secret_hash text NOT NULL,
         capabilities text[] NOT NULL,
         enrollment_id uuid NOT NULL UNIQUE REFERENCES access.agent_enrollments (id),
         created_by text NOT NULL,
         created_at timestamptz NOT NULL,
         last_used_at timestamptz,
         revoked_at timestamptz,
         revoked_by text,
         revoked_reason text,
         version integer NOT NULL,
         CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
       )`,
      `CREATE INDEX agent_keys_environment ON access.agent_keys (environment_id, created_at, id)`,
      `CREATE TABLE access.environments (
         environment_id uuid PRIMARY KEY,
         tenant_id text NOT NULL,
         project_id text NOT NULL,
         state text NOT NULL,
         source_version integer NOT NULL DEFAULT 0,
         updated_at timestamptz NOT NULL DEFAULT now()
       )`,
      `GRANT SELECT, INSERT, UPDATE ON access.agent_enrollments, access.agent_keys, access.environments TO ${APP_ROLE}`,
      `GRANT DELETE ON access.environments TO ${PLATFORM_ROLE}`,
      ...tenantIsolation('access.agent_enrollments'),
      ...tenantIsolation('access.agent_keys'),
      ...tenantIsolation('access.environments'),
    ];
    for (const s of sql) await q.query(s);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA access CASCADE`);
  }
}
