import { PlatformSpine1764000000000 } from './1764000000000-platform-spine';
import { TenancyBindings1764000001000 } from './1764000001000-tenancy-bindings';

/** Every migration, in order. New migrations are appended here (and nowhere else). */
export const MIGRATIONS = [PlatformSpine1764000000000, TenancyBindings1764000001000];
