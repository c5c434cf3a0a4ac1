/** Identity's slice of the configuration (key `identity`), with the defaults of the kernel's schema. */
export interface IdentitySettings {
  adminEmail: string;
  adminPassword: string;
  tokenTtl: number;
  issuer: string;
  audience: string;
}

export function settingsOf(config: Record<string, unknown>): IdentitySettings {
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const ttl = Number(config.tokenTtl);
  return {
    adminEmail: text(config.adminEmail),
    adminPassword: text(config.adminPassword),
    tokenTtl: Number.isInteger(ttl) && ttl > 0 ? ttl : 3600,
    issuer: text(config.issuer) || 'cleave',
    audience: text(config.audience) || 'cleave',
  };
}
