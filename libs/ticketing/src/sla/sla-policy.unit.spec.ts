import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findPolicy, newestPolicy, parseSlaPolicies, targetOf, type SlaPolicy } from './sla-policy';

// A valid policy file's policy; each test breaks one field of a copy.
const policy = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: 'it-support-plan',
  version: 1,
  calendar: { kind: '24x7' },
  warningThresholds: [0.5, 0.75],
  targets: {
    general: { response: 'PT30M', onsiteResolution: 'PT1H', restoration: 'PT8H', report: 'PT24H' },
    major: { response: 'PT15M', arrival: { urban: 'PT2H', suburban: 'PT4H' } },
  },
  consultationAverage: 'PT6M',
  satisfactionTargets: { consultation: 0.98, onsite: 0.95, product: 0.95 },
  ...overrides,
});

const businessHours = (overrides: Record<string, unknown> = {}) => ({
  kind: 'business-hours',
  timeZone: 'Asia/Shanghai',
  week: { mon: [['09:00', '12:00'], ['13:00', '18:00']] },
  holidays: ['2026-10-01'],
  ...overrides,
});

function errorsOf(...policies: unknown[]): string[] {
  const parsed = parseSlaPolicies({ defaultPolicyId: 'it-support-plan', policies });
  return parsed.ok ? [] : parsed.errors;
}

describe('parseSlaPolicies', () => {
  it('given the shipped config/sla-policies.json, then it parses without errors', () => {
    const file = JSON.parse(readFileSync(join(process.cwd(), 'config/sla-policies.json'), 'utf8')) as unknown;
    const parsed = parseSlaPolicies(file);
    expect(parsed).toMatchObject({ ok: true, catalog: { defaultPolicyId: 'it-support-plan' } });
    if (!parsed.ok) return;
    const hours = parsed.catalog.policies.find((p) => p.id === 'it-support-business-hours');
    expect(hours?.calendar).toMatchObject({ kind: 'business-hours', timeZone: 'Asia/Shanghai', week: { sat: [], sun: [] } });
  });

  it('reads the shipped dealer policy: a sign-off to close, and each target marked as the deployment\'s choice', () => {
    const parsed = parseSlaPolicies(JSON.parse(readFileSync(join(process.cwd(), 'config/sla-policies.json'), 'utf8')) as unknown);
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    const dealer = parsed.catalog.policies.find((p) => p.id === 'dealer-service')!;
    expect(dealer.requireSignOffToClose).toBe(true);
    expect(dealer.arrivalFrom).toBe('report');
    expect(dealer.targets.general).toEqual({ response: 'PT30M', arrival: { urban: 'PT2H', suburban: 'PT4H' }, restoration: 'PT8H', report: 'PT24H' });
    expect(Object.keys(dealer.targetSources ?? {}).sort()).toEqual(
      ['arrival.suburban', 'arrival.urban', 'report', 'response', 'restoration'].flatMap((m) => [`general.${m}`, `major.${m}`]).sort(),
    );
    expect(Object.values(dealer.targetSources!).every((source) => source.startsWith('deployment'))).toBe(true);
    const plan = parsed.catalog.policies.find((p) => p.id === 'it-support-plan')!;
    expect(plan.targetSources?.['major.response']).toMatch(/^IT support plan/);
    expect(plan.requireSignOffToClose).toBeUndefined();
    expect(plan.arrivalFrom).toBeUndefined();
    expect(errorsOf(policy({ arrivalFrom: 'call' }))).toEqual(['policy it-support-plan@1: arrivalFrom: "call" must be "dispatch" or "report"']);
  });

  it('reads a marked target as its duration, and refuses a mark without a source, with another field, or a bad requireSignOffToClose', () => {
    const marked = { general: { response: { target: 'PT30M', source: 'deployment' } }, major: {} };
    const parsed = parseSlaPolicies({ policies: [policy({ targets: marked })] });
    expect(parsed).toMatchObject({ ok: true, catalog: { policies: [{ targets: { general: { response: 'PT30M' } }, targetSources: { 'general.response': 'deployment' } }] } });
    expect(errorsOf(policy({ targets: { general: { response: { target: 'PT30M' } }, major: {} } }))).toEqual([
      'policy it-support-plan@1: targets.general.response.source: missing: the clause of the agreement, or "deployment"',
    ]);
    expect(errorsOf(policy({ targets: { general: { response: { target: 'PT30M', source: 'x', note: 'y' } }, major: {} } }))).toEqual([
      'policy it-support-plan@1: targets.general.response.note: a marked target holds "target" and "source" only',
    ]);
    expect(errorsOf(policy({ requireSignOffToClose: 'yes' }))).toEqual(['policy it-support-plan@1: requireSignOffToClose: "yes" must be true or false']);
  });

  it('given a valid policy, then defaults are filled in: 24x7 calendar, thresholds 0.5 and 0.75', () => {
    const { calendar: _c, warningThresholds: _w, ...bare } = policy();
    const parsed = parseSlaPolicies({ policies: [bare] });
    expect(parsed).toMatchObject({
      ok: true,
      catalog: { defaultPolicyId: 'it-support-plan', policies: [{ calendar: { kind: '24x7' }, warningThresholds: [0.5, 0.75] }] },
    });
  });

  it('names the policy and the field of a target that is not an ISO 8601 duration', () => {
    const targets = { general: {}, major: { response: '30min' } };
    expect(errorsOf(policy({ targets }))).toEqual([
      'policy it-support-plan@1: targets.major.response: "30min" is not an ISO 8601 duration such as PT30M',
    ]);
  });

  it('refuses zero, calendar years and months, and missing or unknown target keys', () => {
    const targets = {
      general: { response: 'PT0S', restoration: 'P1M', resolution: 'PT1H', arrival: { urban: 'PT2H', rural: 'PT9H' } },
      high: {},
    };
    expect(errorsOf(policy({ targets }))).toEqual([
      'policy it-support-plan@1: targets.high: is not a severity (general, major)',
      'policy it-support-plan@1: targets.general.response: "PT0S" must be longer than zero',
      'policy it-support-plan@1: targets.general.restoration: "P1M" is not an ISO 8601 duration such as PT30M',
      'policy it-support-plan@1: targets.general.resolution: is not a metric (response, onsiteResolution, seniorArrival, restoration, report, arrival)',
      'policy it-support-plan@1: targets.general.arrival.rural: is not a zone (urban, suburban)',
      'policy it-support-plan@1: targets.general.arrival.suburban: missing',
      'policy it-support-plan@1: targets.major: missing: every severity needs its targets (an empty object defines none)',
    ]);
  });

  it('checks id, version and that (id, version) is unique', () => {
    expect(errorsOf(policy({ id: '' }), policy({ version: 0 }), policy(), policy())).toEqual([
      'policy #1: id: "": an id is 1-100 letters, digits or . _ : - starting with a letter or digit',
      'policy it-support-plan: version: 0: a version is an integer >= 1',
      'policy it-support-plan@1: appears twice (policies #3 and #4)',
    ]);
    expect(errorsOf(policy({ version: 1.5 }))).toEqual([
      'policy it-support-plan: version: 1.5: a version is an integer >= 1',
    ]);
  });

  it('checks warning thresholds are fractions in (0, 1), ascending', () => {
    expect(errorsOf(policy({ warningThresholds: [0.75, 0.5, 1] }))).toEqual([
      'policy it-support-plan@1: warningThresholds[1]: 0.5 must be greater than the threshold before it (0.75)',
      'policy it-support-plan@1: warningThresholds[2]: 1 must be a number between 0 and 1 (both excluded)',
    ]);
    expect(errorsOf(policy({ warningThresholds: 0.5 }))).toEqual([
      'policy it-support-plan@1: warningThresholds: 0.5 must be a list of fractions such as [0.5, 0.75]',
    ]);
  });

  it('checks the consultation average and the satisfaction targets', () => {
    const satisfactionTargets = { consultation: 98, onsite: 0.95, retail: 0.5 };
    expect(errorsOf(policy({ consultationAverage: '6 minutes', satisfactionTargets }))).toEqual([
      'policy it-support-plan@1: consultationAverage: "6 minutes" is not an ISO 8601 duration such as PT30M',
      'policy it-support-plan@1: satisfactionTargets.retail: is not a satisfaction kind (consultation, onsite, product)',
      'policy it-support-plan@1: satisfactionTargets.consultation: 98 must be a fraction from 0 to 1, such as 0.95',
      'policy it-support-plan@1: satisfactionTargets.product: missing',
    ]);
  });

  it('checks the calendar kind and time zone', () => {
    expect(errorsOf(policy({ calendar: { kind: '9to5' } }))).toEqual([
      'policy it-support-plan@1: calendar.kind: "9to5" must be "24x7" or "business-hours"',
    ]);
    expect(errorsOf(policy({ calendar: businessHours({ timeZone: 'Mars/Olympus_Mons' }) }))).toEqual([
      'policy it-support-plan@1: calendar.timeZone: "Mars/Olympus_Mons" is not an IANA time zone such as Asia/Shanghai',
    ]);
  });

  it('checks working periods: times, start before end, order without overlap, 24:00 only as an end', () => {
    const week = {
      mon: [['9:00', '12:00'], ['13:00', '24:00']],
      tue: [['18:00', '09:00']],
      wed: [['09:00', '13:00'], ['12:00', '18:00']],
      thu: [['24:00', '24:00']],
      fri: [['09:00', '12:00', '13:00']],
      funday: [],
    };
    expect(errorsOf(policy({ calendar: businessHours({ week }) }))).toEqual([
      'policy it-support-plan@1: calendar.week.funday: is not a weekday (mon..sun)',
      'policy it-support-plan@1: calendar.week.mon[0][0]: "9:00" is not a time HH:MM (00:00 to 23:59)',
      'policy it-support-plan@1: calendar.week.tue[0]: start "18:00" must be before end "09:00"',
      'policy it-support-plan@1: calendar.week.wed[1]: "12:00"-"18:00" must start at or after the end of the period before it ("13:00")',
      'policy it-support-plan@1: calendar.week.thu[0][0]: "24:00" is not a time HH:MM (00:00 to 23:59)',
      'policy it-support-plan@1: calendar.week.fri[0]: ["09:00","12:00","13:00"] must be a pair ["HH:MM", "HH:MM"]',
    ]);
  });

  it('allows touching periods and a day until 24:00, and refuses a week without work', () => {
    const week = { sat: [['00:00', '12:00'], ['12:00', '24:00']] };
    expect(errorsOf(policy({ calendar: businessHours({ week }) }))).toEqual([]);
    expect(errorsOf(policy({ calendar: businessHours({ week: { mon: [] } }) }))).toEqual([
      'policy it-support-plan@1: calendar.week: has no working period: a business-hours calendar needs at least one',
    ]);
  });

  it('checks the shapes of the calendar, a day and the holidays', () => {
    expect(errorsOf(policy({ calendar: '24x7' }))).toEqual([
      'policy it-support-plan@1: calendar: "24x7" must be an object such as {"kind": "24x7"}',
    ]);
    expect(errorsOf(policy({ calendar: businessHours({ week: { mon: '09:00-18:00' }, holidays: '2026-10-01' }) }))).toEqual([
      'policy it-support-plan@1: calendar.week.mon: "09:00-18:00" must be a list of periods such as [["09:00", "12:00"], ["13:00", "18:00"]]',
      'policy it-support-plan@1: calendar.week: has no working period: a business-hours calendar needs at least one',
      'policy it-support-plan@1: calendar.holidays: "2026-10-01" must be a list of dates YYYY-MM-DD',
    ]);
  });

  it('checks holidays are real dates', () => {
    expect(errorsOf(policy({ calendar: businessHours({ holidays: ['2026-02-30', '2026-13-01', '1 May'] }) }))).toEqual([
      'policy it-support-plan@1: calendar.holidays[0]: "2026-02-30" is not a date YYYY-MM-DD',
      'policy it-support-plan@1: calendar.holidays[1]: "2026-13-01" is not a date YYYY-MM-DD',
      'policy it-support-plan@1: calendar.holidays[2]: "1 May" is not a date YYYY-MM-DD',
    ]);
  });

  it('checks the file shape and the default policy id', () => {
    expect(parseSlaPolicies([])).toEqual({ ok: false, errors: ['the SLA policy file must hold a JSON object'] });
    expect(parseSlaPolicies({ policies: [] })).toEqual({ ok: false, errors: ['policies: must be a non-empty list'] });
    expect(parseSlaPolicies({ defaultPolicyId: 'nope', policies: [policy()] })).toEqual({
      ok: false,
      errors: ['defaultPolicyId: "nope" is not the id of any policy'],
    });
  });
});

describe('finding policies', () => {
  const parsed = parseSlaPolicies({ policies: [policy(), policy({ version: 3 }), policy({ version: 2 })] });
  const catalog = parsed.ok ? parsed.catalog : { defaultPolicyId: '', policies: [] as SlaPolicy[] };

  it('finds an exact version and the newest one', () => {
    expect(findPolicy(catalog, 'it-support-plan', 2)?.version).toBe(2);
    expect(findPolicy(catalog, 'it-support-plan', 4)).toBeUndefined();
    expect(newestPolicy(catalog, 'it-support-plan')?.version).toBe(3);
    expect(newestPolicy(catalog, 'other')).toBeUndefined();
  });

  it('reads a target by severity, and arrival by zone (no zone: urban)', () => {
    const found = findPolicy(catalog, 'it-support-plan', 1)!;
    expect(targetOf(found, 'general', 'response', null)).toBe('PT30M');
    expect(targetOf(found, 'general', 'seniorArrival', null)).toBeUndefined();
    expect(targetOf(found, 'major', 'arrival', 'suburban')).toBe('PT4H');
    expect(targetOf(found, 'major', 'arrival', null)).toBe('PT2H');
  });
});
