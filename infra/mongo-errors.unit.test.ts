import { duplicatePositions } from './mongo-errors';

describe('duplicatePositions', () => {
  test('given an unordered insert refused on duplicates only, then it names their positions', () => {
    expect(
      duplicatePositions({
        code: 11000,
        writeErrors: [
          { code: 11000, index: 0 },
          { code: 11000, index: 2 },
        ],
      }),
    ).toEqual([0, 2]);
    // the driver gives a single write error as itself, not in an array
    expect(duplicatePositions({ code: 11000, writeErrors: { code: 11000, index: 1 } })).toEqual([1]);
  });

  test('given any other failure among them, or none listed, then nothing can be said', () => {
    expect(
      duplicatePositions({
        writeErrors: [
          { code: 11000, index: 0 },
          { code: 121, index: 1 },
        ],
      }),
    ).toBeNull();
    expect(duplicatePositions({ writeErrors: [] })).toBeNull();
    expect(duplicatePositions(new Error('connection closed'))).toBeNull();
    expect(duplicatePositions(null)).toBeNull();
  });
});
