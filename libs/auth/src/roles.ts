/** The roles of API.md. Platform roles have no tenant; tenant roles act within `tenant_id`. */
export const ROLES = ['platform:admin', 'platform:viewer', 'tenant:admin', 'tenant:deployer', 'tenant:viewer', 'agent'] as const;
export type RoleName = (typeof ROLES)[number];

export const PLATFORM_ROLES: RoleName[] = ['platform:admin', 'platform:viewer'];
/** Every role that may read a tenant's resources. */
export const TENANT_READERS: RoleName[] = ['tenant:admin', 'tenant:deployer', 'tenant:viewer', 'platform:admin', 'platform:viewer'];
export const TENANT_WRITERS: RoleName[] = ['tenant:admin', 'tenant:deployer'];
