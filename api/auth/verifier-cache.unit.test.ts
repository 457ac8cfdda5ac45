import { testApp } from '../../test/helpers/app';
import { asCustomer } from '../../test/helpers/auth';

// Counts the verifiers @fastify/jwt builds: building one per request cost 60 µs each (the callback form).
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
  test('given many requests with tokens never seen before, then one verifier serves them all (not one per request)', async () => {
    const app = await testApp();
    await app.ready();
    const before = made.verifiers;
    // 50 customers: each token's first request, which the verified-token map does not answer.
    for (let i = 0; i < 50; i++) {
      const headers = asCustomer({ id: `c-${i}`, email: `c${i}@example.com` });
      expect((await app.inject({ method: 'GET', url: '/stats', headers })).statusCode).toBe(403);
    }
    expect(made.verifiers - before).toBe(0);
    await app.close();
  });
});
