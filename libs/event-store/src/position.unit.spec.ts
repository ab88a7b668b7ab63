import { comparePositions, formatPosition, parsePosition, positionOf, START } from './position';

describe('positions', () => {
  it('round-trip through their text form, keeping both parts', () => {
    const twoPart = { commit: 18446744073709551000n, prepare: 18446744073709550000n };
    expect(parsePosition(formatPosition(twoPart))).toEqual(twoPart);
    expect(formatPosition(positionOf(42))).toBe('42');
    expect(parsePosition('42')).toEqual(positionOf(42));
  });

  it('order by commit, then prepare', () => {
    expect(comparePositions(positionOf(1), positionOf(2))).toBe(-1);
    expect(comparePositions({ commit: 5n, prepare: 3n }, { commit: 5n, prepare: 4n })).toBe(-1);
    expect(comparePositions(positionOf(7), positionOf(7))).toBe(0);
    expect(comparePositions(START, positionOf(0))).toBe(-1);
  });

  it('refuse text that is not a position', () => {
    for (const text of ['', 'abc', '1.5', '01', '1/', '/1', '1/2/3', '-2']) expect(parsePosition(text)).toBeUndefined();
  });
});
