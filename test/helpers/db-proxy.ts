import type { Db } from 'mongodb';

type Method = (...args: unknown[]) => unknown;

/**
 * `db` as a process under test sees it, with one method of one collection replaced: `wrap` gets the
 * original (bound to its collection) and returns what is called instead. Everything else is the store.
 */
export function withCollectionMethod(
  db: Db,
  collection: string,
  method: string,
  wrap: (original: Method) => Method,
): Db {
  return new Proxy(db, {
    get(target, key, receiver) {
      if (key !== 'collection') return Reflect.get(target, key, receiver) as unknown;
      return (name: string) => {
        const real = target.collection(name);
        if (name !== collection) return real;
        return new Proxy(real, {
          get(c, k, r) {
            const value = Reflect.get(c, k, r) as unknown;
            if (typeof value !== 'function') return value;
            const bound = (value as Method).bind(c);
            return k === method ? wrap(bound) : bound;
          },
        });
      };
    },
  });
}
