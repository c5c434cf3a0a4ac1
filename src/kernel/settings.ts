/**
 * A module's configuration slice, declared next to its code: each `setting.*` call is one key with its doc,
 * default and rule, and `ConfigOf` turns the declaration into the type of the values the module receives.
 * The kernel adds the keys under the module's name (`<module>.<key>`, env `CLEAVE_<MODULE>_<KEY>`), validates
 * them like its own at start-up and lists them in `cleave config --keys`.
 */

/** What the kernel's config formats read of a key, for its own keys and the modules' alike. */
export interface ValueRules {
  min?: number;
  max?: number;
  pattern?: RegExp;
  protocols?: string[];
  allowEmpty?: boolean;
  /** The message of a bad value, in place of the format's own (`must be ...`). */
  rule?: string;
  /** A variable this key was read from before: setting it stops start-up with a message naming the new one. */
  formerEnv?: string;
}

/** One configuration key of a module; `T` is the type of its value. Build it with `setting`. */
export interface Setting<T> extends ValueRules {
  doc: string;
  /** The name of a kernel config format (`cleave-int`, `cleave-string`, ...) or the allowed values. */
  format: string | readonly T[];
  default: T;
  /** Hidden by `cleave config` and in error messages. */
  sensitive?: boolean;
}

/** A module's slice: keys, or groups of keys (`loginLimits.perAccount`). The name `db` is the kernel's. */
export interface Settings {
  [key: string]: Setting<unknown> | Settings;
}

/** The values of a slice, e.g. `ConfigOf<typeof identitySettings>`: `{ tokenTtl: number; loginLimits: {...} }`. */
export type ConfigOf<S extends Settings> = {
  readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : S[K] extends Settings ? ConfigOf<S[K]> : never;
};

interface Common<T> {
  doc: string;
  default: T;
  rule?: string;
  formerEnv?: string;
}

/** Builders of module settings, one per kind of value. */
export const setting = {
  /** A whole number from `min` (default 0) to `max`; env values are parsed strictly. */
  int(options: Common<number> & { min?: number; max?: number }): Setting<number> {
    return { ...options, format: 'cleave-int' };
  },
  /** A string, non-empty unless `allowEmpty`; when set, a non-empty value must match `pattern`. */
  string(options: Common<string> & { pattern?: RegExp; allowEmpty?: boolean; sensitive?: boolean }): Setting<string> {
    return { ...options, format: 'cleave-string' };
  },
  /** `true` or `false` (env `true`, `false`, `1`, `0`). */
  bool(options: Common<boolean>): Setting<boolean> {
    return { ...options, format: 'cleave-bool' };
  },
  /** A URL, limited to `protocols` (e.g. `['https:']`) when given; empty only with `allowEmpty`. */
  url(options: Common<string> & { protocols?: string[]; allowEmpty?: boolean; sensitive?: boolean }): Setting<string> {
    return { ...options, format: 'cleave-url' };
  },
  /** One of `values`. */
  oneOf<const V extends string>(values: readonly V[], options: Common<NoInfer<V>>): Setting<V> {
    return { ...options, format: values };
  },
};

/** Whether `node` is one key of a slice rather than a group of keys. */
export function isSetting(node: Setting<unknown> | Settings): node is Setting<unknown> {
  return 'default' in node && 'format' in node && 'doc' in node;
}
