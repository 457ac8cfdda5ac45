import { VerifiedTokens } from './verified-tokens';
import type { Principal } from './principal';

const ada: Principal = { sub: 'c-1', role: 'customer', email: 'ada@example.com' };

describe('tokens verified before', () => {
  const now = 1_800_000_000_000;
  const exp = now / 1000 + 60; // the token expires in a minute

  test('given a verified token, then it is known until its expiry plus the clock skew, and not after', () => {
    const tokens = new VerifiedTokens(30_000);
    tokens.add('t', ada, exp, now);
    expect(tokens.get('t', now + 60_000 + 29_999)).toEqual(ada);
    expect(tokens.get('t', now + 60_000 + 30_000)).toBeUndefined();
    expect(tokens.get('t', now)).toBeUndefined(); // dropped once expired
  });

  test('given a long-lived token, then it is verified again after at most the maximum age', () => {
    const tokens = new VerifiedTokens(30_000, 10, 600_000);
    tokens.add('t', ada, now / 1000 + 86_400, now);
    expect(tokens.get('t', now + 599_999)).toEqual(ada);
    expect(tokens.get('t', now + 600_000)).toBeUndefined();
  });

  test('given more tokens than it keeps, then the oldest is dropped; an expired one is never added', () => {
    const tokens = new VerifiedTokens(0, 2);
    for (const t of ['a', 'b', 'c']) tokens.add(t, ada, exp, now);
    expect(['a', 'b', 'c'].map((t) => tokens.get(t, now) !== undefined)).toEqual([false, true, true]);
    tokens.add('old', ada, now / 1000 - 1, now);
    expect(tokens.get('old', now)).toBeUndefined();
  });
});
