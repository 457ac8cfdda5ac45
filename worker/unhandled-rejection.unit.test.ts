import { MongoNetworkError, MongoServerSelectionError } from 'mongodb';
import { survivingStoreOutages } from './ops';

describe('a promise rejected with nobody waiting, in a worker process', () => {
  test('given the store refusing a connection (what the driver leaves behind in an outage), then it is logged and the process goes on', () => {
    const warnings: unknown[] = [];
    const handle = survivingStoreOutages({ warn: (obj: unknown) => void warnings.push(obj) } as never);
    expect(() => handle(new MongoNetworkError('connect ECONNREFUSED 127.0.0.1:27017'))).not.toThrow();
    expect(() =>
      handle(new MongoServerSelectionError('Server selection timed out', {} as never)),
    ).not.toThrow();
    expect(warnings).toHaveLength(2);
  });

  test('given any other rejection, then it ends the process as Node would (thrown again)', () => {
    const handle = survivingStoreOutages({ warn: () => undefined } as never);
    expect(() => handle(new TypeError('a bug'))).toThrow('a bug');
    expect(() => handle('a string')).toThrow();
  });
});
