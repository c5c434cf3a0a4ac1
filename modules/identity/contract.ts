import { Type, command, defineContract, devicePorts, query, type Static } from '../../src/index.js';

export const Role = Type.Union([Type.Literal('viewer'), Type.Literal('operator'), Type.Literal('admin')]);

/** Loose on purpose: local names like `admin@localhost` are valid; delivery is not identity's job. */
export const Email = Type.String({ pattern: '^[^@\\s]+@[^@\\s]+$', maxLength: 254 });

const Password = Type.String({ minLength: 8, maxLength: 256 });

const UserId = Type.String({ minLength: 1, maxLength: 64 });

export const User = Type.Object({
  id: UserId,
  email: Email,
  role: Role,
  createdAt: Type.String({ description: 'ISO-8601' }),
});

export const PublicJwk = Type.Object({
  kid: Type.String(),
  kty: Type.Literal('OKP'),
  crv: Type.Literal('Ed25519'),
  x: Type.String(),
  alg: Type.Literal('EdDSA'),
  use: Type.Literal('sig'),
});

const strict = { additionalProperties: false } as const;

export const CreateUserInput = Type.Object({ email: Email, password: Password, role: Role }, strict);
export const LoginInput = Type.Object(
  {
    email: Email,
    password: Type.String({ minLength: 1, maxLength: 256 }),
    address: Type.Optional(
      Type.String({ maxLength: 64, description: "the caller's network address, filled by the HTTP route (a body field is overwritten); failed logins are limited per address" }),
    ),
  },
  strict,
);
export const LoginOutput = Type.Object({
  token: Type.String(),
  expiresAt: Type.String({ description: 'ISO-8601' }),
});
export const GetUserInput = Type.Object({ id: UserId }, strict);
export const Nothing = Type.Object({}, strict);
const Kid = Type.String({ minLength: 1, maxLength: 128 });
export const SigningKeyRotated = Type.Object({
  kid: Kid,
  retiring: Type.Array(
    Type.Object({ kid: Kid, retiresAt: Type.String({ description: 'ISO-8601; it leaves the key set then' }) }),
  ),
});

export const identityContract = defineContract({
  name: 'identity',
  version: '1.0.0',
  operations: {
    createUser: command(CreateUserInput, User, { access: 'admin', summary: 'Creates a user; the email must be unused.' }),
    login: command(LoginInput, LoginOutput, { access: 'public', summary: 'Exchanges an email and password for an access token.' }),
    getUser: query(GetUserInput, User, { access: 'viewer', summary: 'One user by id: the caller, or anyone for an admin.' }),
    listUsers: query(Nothing, Type.Object({ users: Type.Array(User) }), { access: 'admin', summary: 'Every user.' }),
    getJwks: query(devicePorts.JwksInput, devicePorts.JwksOutput, {
      access: 'system',
      summary: 'Public keys that verify access tokens (the kernel publishes them at /.well-known/jwks.json).',
    }),
    rotateSigningKey: command(Nothing, SigningKeyRotated, {
      access: 'admin',
      summary: 'A new key signs from now on; the keys it replaces stay in the key set until their tokens expire.',
    }),
  },
  events: {
    userCreated: Type.Object({ id: UserId, email: Email, role: Role }),
    signingKeyRotated: SigningKeyRotated,
  },
});

export type IdentityContract = typeof identityContract;
export type Role = Static<typeof Role>;
export type User = Static<typeof User>;
export type PublicJwk = Static<typeof PublicJwk>;
export type CreateUserInput = Static<typeof CreateUserInput>;
export type LoginInput = Static<typeof LoginInput>;
export type LoginOutput = Static<typeof LoginOutput>;
export type SigningKeyRotated = Static<typeof SigningKeyRotated>;
