import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Desk, figures, HOUR, iso, MINUTE, nowSecond, startViewsApp, view, type ViewsApp } from '../support/views-scenario';

/**
 * The projection runner works on a worker thread of its own (PROJECTION_THREAD=worker, what `auto`
 * picks with two cores or more) or on the request thread (PROJECTION_THREAD=main, what `auto` picks
 * on one core). Either way the views answer the same figures
 * for the same commands, read-your-writes holds through minPosition, readiness reports each
 * projection caught up, and a restart picks up from the checkpoints without counting twice.
 */
describe.each(['worker', 'main'] as const)('projections on the %s thread', (thread) => {
  let app: ViewsApp;
  const desk = new Desk(() => app.service);
  const NOW = nowSecond();
  const RANGE = { from: iso(NOW - 4 * HOUR), to: iso(NOW + HOUR) };

  beforeAll(async () => {
    app = await startViewsApp({ PROJECTION_THREAD: thread });
    // Reported 3 h ago, acknowledged after 10 min, nothing since: on-site resolution is past due.
    const late = await desk.report(NOW - 3 * HOUR, { customerId: 'c-late', severity: 'general' });
    await late.acknowledge(10 * MINUTE);
    // Reported 2 h ago, acknowledged after 40 min (late), restored after 50 min.
    const restored = await desk.report(NOW - 2 * HOUR, { customerId: 'c-restored', severity: 'general' });
    await restored.acknowledge(40 * MINUTE);
    await restored.restore(50 * MINUTE);
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
  });

  const expected = [
    {
      key: 'all',
      metrics: {
        response: figures(2, 1, 1, 0, 0.5, 'PT30M'),
        onsiteResolution: figures(2, 1, 1, 0, 0.5, 'PT1H'),
        restoration: figures(2, 1, 0, 1, 1, 'PT8H'),
        // The incident report is owed within 24 h of the restoration.
        report: figures(1, 0, 0, 1, null, 'PT24H'),
      },
    },
  ];

  it('answers the compliance view with the commands just written (minPosition)', async () => {
    const body = await view(app.analyst, '/v1/views/sla-compliance', { ...RANGE, minPosition: desk.position });
    expect(body.groups).toEqual(expected);
  });

  it('reports every projection up and caught up in readiness', async () => {
    await view(app.analyst, '/v1/views/sla-compliance', { ...RANGE, minPosition: desk.position });
    const answer = await fetch(`${app.url}/health/ready`);
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as { details: { projections: { status: string; projections: Array<{ name: string; failure?: string }> } } };
    expect(body.details.projections.status).toBe('up');
    expect(body.details.projections.projections.map((p) => p.name).sort()).toEqual(['satisfaction', 'schedule', 'service-network', 'sla-compliance', 'warranty-archive']);
    expect(body.details.projections.projections.filter((p) => p.failure)).toEqual([]);
  });

  it('stops cleanly and, started again, neither loses nor repeats an event', async () => {
    await app.restart();
    const body = await view(app.analyst, '/v1/views/sla-compliance', { ...RANGE, minPosition: desk.position });
    expect(body.groups).toEqual(expected);
  });
});
