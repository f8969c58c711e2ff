import { describe, expect, it } from 'vitest';
import { RollingWindow } from '../../../processors/indicators/RollingWindow.ts';

describe('RollingWindow', () => {
  it('keeps the last `size` values, oldest first, as it wraps around', () => {
    const window = new RollingWindow(3);
    const seen: number[][] = [];
    for (let i = 1; i <= 7; i++) {
      window.push(i);
      seen.push(window.toArray());
    }
    expect(seen).toEqual([[1], [1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 6], [5, 6, 7]]);
    expect([window.full, window.count, window.oldest]).toEqual([true, 3, 5]);
  });

  it('resumes from its toArray()', () => {
    const window = new RollingWindow(4);
    for (const v of [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]) window.push(v);
    const resumed = new RollingWindow(4, JSON.parse(JSON.stringify(window.toArray())));
    window.push(0.7);
    resumed.push(0.7);
    expect(resumed.toArray()).toEqual(window.toArray());
    expect(resumed.oldest).toBe(window.oldest);
  });
});
