export const ROLES = ['agent', 'supervisor', 'admin', 'ops', 'service'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Who made a request, as proven by a verified token. */
export interface Principal {
  subject: string;
  roles: Role[];
  tokenId?: string;
}

/** Admins pass every role check; everyone else needs one of the required roles. */
export function hasAnyRole(principal: Principal, required: readonly Role[]): boolean {
  if (required.length === 0) return true;
  if (principal.roles.includes('admin')) return true;
  return required.some((role) => principal.roles.includes(role));
}
