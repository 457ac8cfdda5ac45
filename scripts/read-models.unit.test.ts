import { progressLine } from './read-models';

describe('the rebuild progress line', () => {
  test('given 4200 of 10000 orders in 5 s, then it shows the bar, the rate and the time left', () => {
    expect(progressLine('rebuild', 4200, 10_000, 5_000)).toBe(
      'rebuild [########------------] 4200/10000 orders, 840/s, 7 s left',
    );
  });

  test('given more done than the estimate (orders placed meanwhile), then the bar is full and no time is left', () => {
    expect(progressLine('verify', 12, 10, 1_000)).toBe('verify [####################] 12/12 orders, 12/s');
  });
});
