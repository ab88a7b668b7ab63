import { NoPermitInTime, Permits } from './esdb-permits';
import { Watchdog } from './esdb-timing';

describe('Permits', () => {
  it('grants up to its size at once, then in order as permits are released', async () => {
    const permits = new Permits(2);
    const first = await permits.acquire(1000);
    const second = await permits.acquire(1000);
    const granted: string[] = [];
    const third = permits.acquire(1000).then((release) => (granted.push('third'), release));
    const fourth = permits.acquire(1000).then((release) => (granted.push('fourth'), release));
    await new Promise((resolve) => setImmediate(resolve));
    expect(granted).toEqual([]);
    expect(permits.inUse).toBe(2);
    first();
    first(); // a second release of the same permit frees nothing more
    await third;
    expect(granted).toEqual(['third']);
    second();
    (await fourth)();
    (await third)();
    expect(granted).toEqual(['third', 'fourth']);
    expect(permits.inUse).toBe(0);
  });

  it('a wait longer than its timeout fails as never sent, and leaves no permit taken', async () => {
    const permits = new Permits(1);
    const held = await permits.acquire(1000);
    await expect(permits.acquire(20)).rejects.toBeInstanceOf(NoPermitInTime);
    held();
    expect(permits.inUse).toBe(0);
    (await permits.acquire(20))();
  });
});

describe('Watchdog', () => {
  it('fires when one wait lasts its time, not when the time is spent between waits', async () => {
    let fired = 0;
    const watchdog = new Watchdog(300, () => (fired += 1));
    // 600 ms and more, of which the waits are short: the consumer's time does not count.
    for (let i = 0; i < 10; i++) {
      watchdog.waiting();
      await new Promise((resolve) => setTimeout(resolve, 5));
      watchdog.idle();
      await new Promise((resolve) => setTimeout(resolve, 60));
    }
    expect(fired).toBe(0);
    watchdog.waiting();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    watchdog.stop();
    expect(fired).toBeGreaterThanOrEqual(1);
  });
});
