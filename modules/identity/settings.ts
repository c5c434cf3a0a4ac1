/** Identity's slice of the configuration (key `identity`), with the defaults of the kernel's schema. */
export interface IdentitySettings {
  adminEmail: string;
  adminPassword: string;
  tokenTtl: number;
  issuer: string;
  audience: string;
  loginLimits: { perAccount: number; perAddress: number };
}

export function settingsOf(config: Record<string, unknown>): IdentitySettings {
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const ttl = Number(config.tokenTtl);
  const limits = (config.loginLimits ?? {}) as Record<string, unknown>;
  const positive = (value: unknown, otherwise: number) => (Number.isInteger(value) && (value as number) > 0 ? (value as number) : otherwise);
  return {
    adminEmail: text(config.adminEmail),
    adminPassword: text(config.adminPassword),
    tokenTtl: Number.isInteger(ttl) && ttl > 0 ? ttl : 3600,
    issuer: text(config.issuer) || 'cleave',
    audience: text(config.audience) || 'cleave',
    loginLimits: { perAccount: positive(limits.perAccount, 5), perAddress: positive(limits.perAddress, 20) },
  };
}
