import { RecentEvents } from './recent-events';

type Row = [position: number, name: string];

const rows = (from: number, to: number): Row[] => Array.from({ length: to - from + 1 }, (_, i) => [from + i, `e${from + i}`]);

describe('RecentEvents (what a connection has just committed, for its subscribers)', () => {
  const make = (capacity = 10) => {
    const parsed: number[] = [];
    const recent = new RecentEvents<Row, { position: number; name: string }>(capacity, ([position, name]) => {
      parsed.push(position);
      return { position, name };
    });
    return { recent, parsed };
  };

  it('knows nothing before the first commit', () => {
    const { recent } = make();
    expect(recent.after(-1, 100)).toBeUndefined();
  });

  it('hands out the events after a kept position, at most max of them, in order', () => {
    const { recent } = make();
    recent.add(rows(5, 9));
    expect(recent.after(4, 100)?.map((e) => e.position)).toEqual([5, 6, 7, 8, 9]);
    expect(recent.after(6, 2)?.map((e) => e.position)).toEqual([7, 8]);
    expect(recent.after(9, 100)).toEqual([]);
  });

  it('leaves to the file what it does not hold: positions before the run and after its end', () => {
    const { recent } = make();
    recent.add(rows(5, 9));
    expect(recent.after(3, 100)).toBeUndefined();
    expect(recent.after(10, 100)).toBeUndefined();
  });

  it('parses each event once, however many subscribers take it, and hands out the same object', () => {
    const { recent, parsed } = make();
    recent.add(rows(0, 2));
    const first = recent.after(-1, 100)!;
    const second = recent.after(-1, 100)!;
    expect(second[1]).toBe(first[1]);
    expect(parsed).toEqual([0, 1, 2]);
  });

  it('starts a new run when a group does not follow on from the kept one (another connection committed in between)', () => {
    const { recent } = make();
    recent.add(rows(0, 2));
    recent.add(rows(6, 7));
    expect(recent.after(2, 100)).toBeUndefined();
    expect(recent.after(5, 100)?.map((e) => e.position)).toEqual([6, 7]);
    expect(recent.size).toBe(2);
  });

  it('keeps its capacity of the latest events and drops older ones', () => {
    const { recent } = make(4);
    for (let p = 0; p < 50; p += 2) recent.add(rows(p, p + 1));
    expect(recent.size).toBe(4);
    expect(recent.after(45, 100)?.map((e) => e.position)).toEqual([46, 47, 48, 49]);
    expect(recent.after(40, 100)).toBeUndefined();
  });

  it('forgets everything on clear', () => {
    const { recent } = make();
    recent.add(rows(0, 3));
    recent.clear();
    expect(recent.after(1, 100)).toBeUndefined();
    recent.add(rows(9, 9));
    expect(recent.after(8, 100)?.map((e) => e.position)).toEqual([9]);
  });

  it('ignores an empty group', () => {
    const { recent } = make();
    recent.add(rows(0, 1));
    recent.add([]);
    recent.add(rows(2, 2));
    expect(recent.after(-1, 100)?.map((e) => e.position)).toEqual([0, 1, 2]);
  });
});
