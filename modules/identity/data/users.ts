import { preparedRead, type Knex } from '../../../src/index.js';
import type { Role, User } from '../contract.js';

interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  role: Role;
  created_at: string;
}

export interface NewUser extends User {
  passwordHash: string;
}

const toUser = (row: UserRow): User => ({ id: row.id, email: row.email, role: row.role, createdAt: row.created_at });

/** Queries on identity's `users` table. */
export function makeUsers(db: Knex) {
  const rowById = preparedRead(db, (q, p: { id: string }) => q<UserRow>('users').where({ id: p.id }).first());
  return {
    async insert(user: NewUser): Promise<void> {
      const row: UserRow = {
        id: user.id,
        email: user.email,
        password_hash: user.passwordHash,
        role: user.role,
        created_at: user.createdAt,
      };
      await db<UserRow>('users').insert(row);
    },

    async emailTaken(email: string): Promise<boolean> {
      return (await db<UserRow>('users').where({ email }).first('id')) !== undefined;
    },

    async byId(id: string): Promise<User | undefined> {
      const row = await rowById({ id });
      return row && toUser(row);
    },

    async credentialsOf(email: string): Promise<{ user: User; passwordHash: string } | undefined> {
      const row = await db<UserRow>('users').where({ email }).first();
      return row && { user: toUser(row), passwordHash: row.password_hash };
    },

    async list(): Promise<User[]> {
      const rows = await db<UserRow>('users').orderBy([{ column: 'created_at' }, { column: 'email' }]);
      return rows.map(toUser);
    },

    async any(): Promise<boolean> {
      return (await db<UserRow>('users').first('id')) !== undefined;
    },
  };
}

export type Users = ReturnType<typeof makeUsers>;

/** True when `err` is the store refusing a second row with the same unique value (SQLite or PostgreSQL). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}
