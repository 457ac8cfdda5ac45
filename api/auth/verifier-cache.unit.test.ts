import { testApp } from '../../test/helpers/app';
import { asCustomer } from '../../test/helpers/auth';

// Counts the verifiers @fastify/jwt builds; each holds its own cache of verified tokens.
const made = { verifiers: 0 };
jest.mock('fast-jwt', () => {
  const actual = jest.requireActual<typeof import('fast-jwt')>('fast-jwt');
  return {
    ...actual,
    createVerifier: (...args: Parameters<typeof actual.createVerifier>) => {
      made.verifiers += 1;
      return actual.createVerifier(...args);
    },
  };
});

describe('token verification cost', () => {
  test('given many requests with tokens, then one verifier serves them all, its cache kept (not one per request)', async () => {
    const app = await testApp();
    await app.ready();
    const before = made.verifiers;
    const headers = asCustomer({ id: 'c-1', email: 'c1@example.com' });
    for (let i = 0; i < 50; i++) {
      expect((await app.inject({ method: 'GET', url: '/stats', headers })).statusCode).toBe(403);
    }
    expect(made.verifiers - before).toBe(0);
    await app.close();
  });
});
