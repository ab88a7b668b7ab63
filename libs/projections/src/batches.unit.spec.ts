import { batches } from './batches';

async function* ready(count: number) {
  for (let i = 0; i < count; i++) yield i;
}

async function* slow(values: number[][], gapMs: number) {
  for (const burst of values) {
    for (const value of burst) yield value;
    await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
}

async function collect<T>(source: AsyncIterable<T[]>): Promise<T[][]> {
  const out: T[][] = [];
  for await (const batch of source) out.push(batch);
  return out;
}

describe('batches', () => {
  it('fills batches up to the size when items are ready, keeping every item once and in order', async () => {
    const out = await collect(batches(ready(2500), 1000));
    expect(out.map((b) => b.length)).toEqual([1000, 1000, 500]);
    expect(out.flat()).toEqual(Array.from({ length: 2500 }, (_, i) => i));
  });

  it('closes a batch when the next item is not ready yet', async () => {
    const out = await collect(batches(slow([[1, 2, 3], [4], [5, 6]], 200), 100));
    expect(out).toEqual([[1, 2, 3], [4], [5, 6]]);
  });

  it('stops the source when the consumer stops', async () => {
    let returned = false;
    const source = {
      [Symbol.asyncIterator]() {
        let i = 0;
        return {
          next: async () => ({ done: false, value: i++ }),
          return: async () => {
            returned = true;
            return { done: true as const, value: undefined };
          },
        };
      },
    };
    for await (const batch of batches(source, 10)) {
      expect(batch).toHaveLength(10);
      break;
    }
    expect(returned).toBe(true);
  });
});
