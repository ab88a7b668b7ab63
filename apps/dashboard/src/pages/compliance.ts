import { ApiError, get, query } from '../api';
import { panel } from '../chart';
import { h, percent, table, when } from '../dom';
import { lang, t, termOf } from '../i18n';

interface Figures {
  total: number;
  met?: number;
  breached?: number;
  running?: number;
  compliance?: number | null;
  target: string | null;
  average?: number | null;
}
interface Group {
  key: string;
  metrics: Record<string, Figures>;
}
interface ClockRow {
  ticketId: string;
  metric: string;
  outcome: string;
  reportedAt: string;
  dueAt: string | null;
  stoppedAt: string | null;
  severity: string;
  engineerId: string | null;
}

const PATH = '/v1/views/sla-compliance';
const TICKETS = '/v1/views/sla-compliance/tickets';
const METRICS = ['response', 'onsiteResolution', 'restoration', 'seniorArrival', 'report', 'arrival'];

/** Which optional parameters this server accepts: asked once, a 400 means not (yet). */
const accepted = new Map<string, Promise<boolean>>();
function accepts(params: Record<string, string>): Promise<boolean> {
  const name = JSON.stringify(params);
  if (!accepted.has(name)) {
    accepted.set(
      name,
      get(PATH + query({ ...params, from: '2000-01-01', to: '2000-01-02' })).then(
        () => true,
        (error: unknown) => (error instanceof ApiError && error.status === 400 ? false : Promise.reject(error)),
      ),
    );
  }
  return accepted.get(name)!;
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The [from, to) days a group key of day, week or month covers. */
export function periodOf(key: string): { from: string; to: string } | undefined {
  let match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(key);
  if (match) {
    const start = Date.UTC(+match[1], +match[2] - 1, +match[3]);
    return { from: isoDay(start), to: isoDay(start + 86_400_000) };
  }
  match = /^(\d{4})-W(\d{2})$/.exec(key);
  if (match) {
    // ISO week: the week with 4 January holds day 4 of the year; weeks start on Monday.
    const jan4 = Date.UTC(+match[1], 0, 4);
    const monday = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * 86_400_000 + (+match[2] - 1) * 7 * 86_400_000;
    return { from: isoDay(monday), to: isoDay(monday + 7 * 86_400_000) };
  }
  match = /^(\d{4})-(\d{2})$/.exec(key);
  if (match) return { from: isoDay(Date.UTC(+match[1], +match[2] - 1, 1)), to: isoDay(Date.UTC(+match[1], +match[2], 1)) };
  return undefined;
}

function defaults(): Record<string, string> {
  const now = new Date();
  return {
    from: isoDay(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 5, 1)),
    to: isoDay(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1)),
    groupBy: 'month',
    metric: 'response',
    severity: '',
    policyId: '',
    engineerId: '',
    serviceUnit: '',
    breakdown: '',
    targetLine: '95',
  };
}

/** The state of the page's filters, kept in the hash so a view can be bookmarked (never the key). */
function readFilters(search: URLSearchParams): Record<string, string> {
  const filters = defaults();
  for (const name of Object.keys(filters)) {
    const value = search.get(name);
    if (value !== null) filters[name] = value;
  }
  return filters;
}

function select(name: string, label: string, value: string, options: Array<[string, string]>): HTMLLabelElement {
  const element = h('select', { name });
  for (const [optionValue, text] of options) element.append(h('option', { value: optionValue, selected: optionValue === value }, text));
  return h('label', {}, label, element);
}

function input(name: string, label: string, value: string, type = 'text'): HTMLLabelElement {
  return h('label', {}, label, h('input', { name, type, value, ...(type === 'number' ? { min: '0', max: '100' } : {}) }));
}

export async function compliancePage(root: HTMLElement, search: URLSearchParams, navigate: (hash: string) => void): Promise<void> {
  const filters = readFilters(search);
  const [unitFilter, unitBreakdown, engineerBreakdown] = await Promise.all([
    accepts({ serviceUnit: 'probe' }),
    accepts({ groupBy: 'serviceUnit' }),
    accepts({ groupBy: 'engineer' }),
  ]);
  const breakdowns: Array<[string, string]> = [['', t('none')]];
  if (unitBreakdown) breakdowns.push(['serviceUnit', t('serviceUnit')]);
  if (engineerBreakdown) breakdowns.push(['engineer', t('engineer')]);

  const form = h(
    'form',
    { class: 'filters', 'aria-label': t('compliance') },
    input('from', t('from'), filters.from, 'date'),
    input('to', t('to'), filters.to, 'date'),
    select('groupBy', t('period'), filters.groupBy, [['day', t('day')], ['week', t('week')], ['month', t('month')]]),
    select('metric', t('metric'), filters.metric, METRICS.map((m) => [m, termOf(m)])),
    select('severity', t('severity'), filters.severity, [['', t('any')], ['general', 'general'], ['major', 'major']]),
    input('policyId', t('policy'), filters.policyId),
    input('engineerId', t('engineer'), filters.engineerId),
    unitFilter ? input('serviceUnit', t('serviceUnit'), filters.serviceUnit) : null,
    breakdowns.length > 1 ? select('breakdown', t('breakdown'), filters.breakdown, breakdowns) : null,
    input('targetLine', t('targetLine'), filters.targetLine, 'number'),
    h('button', { type: 'submit' }, t('apply')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [name, value] of new FormData(form)) if (typeof value === 'string' && value !== '') next.set(name, value);
    navigate(`#/compliance?${next}`);
  });
  root.append(h('h1', {}, t('compliance')), form);

  const common = {
    from: filters.from,
    to: filters.to,
    severity: filters.severity,
    policyId: filters.policyId,
    engineerId: filters.engineerId,
    serviceUnit: unitFilter ? filters.serviceUnit : undefined,
  };
  const params = { ...common, groupBy: filters.groupBy, metric: filters.metric };
  const view = await get<{ groups: Group[] }>(PATH + query(params));
  const metric = filters.metric;
  const groups = view.groups.filter((g) => g.metrics[metric]);
  const target = Math.min(100, Math.max(0, Number(filters.targetLine) || 0));
  const figure = (g: Group) => g.metrics[metric];

  const tickets = h('section', { class: 'panel', id: 'breached-tickets', 'aria-live': 'polite', hidden: true });
  const showTickets = async (key: string) => {
    const period = periodOf(key);
    if (!period) return;
    const answer = await get<{ total: number; items: ClockRow[] }>(TICKETS + query({ ...common, ...period, metric, outcome: 'breached', limit: 200 }));
    tickets.hidden = false;
    tickets.replaceChildren(
      h('h2', {}, `${t('ticketsOf')} ${key} · ${termOf(metric)} (${answer.total})`),
      table(
        `${t('ticketsOf')} ${key}`,
        [
          { label: t('ticketId'), value: (row) => h('a', { href: `#/ticket/${encodeURIComponent(row.ticketId)}`, 'data-ticket': row.ticketId }, row.ticketId) },
          { label: t('severity'), value: (row) => row.severity },
          { label: t('engineer'), value: (row) => row.engineerId ?? '–' },
          { label: t('reportedAt'), value: (row) => when(row.reportedAt) },
          { label: t('dueAt'), value: (row) => when(row.dueAt) },
          { label: t('stoppedAt'), value: (row) => when(row.stoppedAt) },
        ],
        answer.items,
        { 'data-table': 'breached-tickets' },
      ),
    );
    sessionStorage.setItem('dashboard.clockRows', JSON.stringify(answer.items));
    tickets.scrollIntoView({ block: 'nearest' });
  };

  const breachedButton = (g: Group) => {
    const count = figure(g).breached ?? 0;
    if (count === 0) return '0';
    const button = h('button', { type: 'button', class: 'link', 'data-breached': g.key }, String(count));
    button.addEventListener('click', () => void showTickets(g.key));
    return button;
  };

  const chartTable = table(
    `${t('compliance')} · ${termOf(metric)}`,
    [
      { label: t('key'), value: (g: Group) => g.key },
      { label: t('total'), value: (g) => figure(g).total },
      { label: t('met'), value: (g) => figure(g).met ?? '–' },
      { label: t('breached'), value: breachedButton },
      { label: t('running'), value: (g) => figure(g).running ?? '–' },
      { label: t('complianceRate'), value: (g) => percent(figure(g).compliance) },
      { label: t('target'), value: (g) => figure(g).target ?? '–' },
    ],
    groups,
  );
  const main = panel(
    root,
    'compliance',
    `${t('compliance')} · ${termOf(metric)}`,
    {
      tooltip: { trigger: 'axis' },
      legend: { top: 4, left: 0, data: [t('met'), t('breached'), t('running'), t('complianceRate')] },
      grid: { left: 48, right: 80, bottom: 32, top: 48 },
      xAxis: { type: 'category', data: groups.map((g) => g.key) },
      yAxis: [{ type: 'value', minInterval: 1 }, { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } }],
      series: [
        { name: t('met'), type: 'bar', stack: 'count', barMaxWidth: 64, itemStyle: { color: '#3a8f5c' }, data: groups.map((g) => figure(g).met ?? 0) },
        { name: t('breached'), type: 'bar', stack: 'count', itemStyle: { color: '#c8423b' }, data: groups.map((g) => figure(g).breached ?? 0) },
        { name: t('running'), type: 'bar', stack: 'count', itemStyle: { color: '#8a9bb0' }, data: groups.map((g) => figure(g).running ?? 0) },
        {
          name: t('complianceRate'),
          type: 'line',
          yAxisIndex: 1,
          data: groups.map((g) => (figure(g).compliance === null || figure(g).compliance === undefined ? null : Math.round(figure(g).compliance! * 1000) / 10)),
          markLine: { symbol: 'none', lineStyle: { type: 'dashed', color: '#444' }, label: { formatter: `${target}%` }, data: [{ yAxis: target }] },
        },
      ],
    },
    chartTable,
    { path: PATH, params },
  );
  main.chart.on('click', (event: { seriesName?: string; name?: string }) => {
    if (event.seriesName === t('breached') && event.name) void showTickets(event.name);
  });
  if (groups.length === 0) root.append(h('p', { class: 'empty' }, t('noData')));
  root.append(tickets);

  if (filters.breakdown && breakdowns.some(([value]) => value === filters.breakdown)) {
    const byParams = { ...common, groupBy: filters.breakdown, metric };
    const by = (await get<{ groups: Group[] }>(PATH + query(byParams))).groups.filter((g) => g.metrics[metric]);
    panel(
      root,
      'breakdown',
      `${t('breakdown')} · ${t(filters.breakdown as 'engineer' | 'serviceUnit')}`,
      {
        tooltip: { trigger: 'axis' },
        grid: { left: 120, right: 24, bottom: 32, top: 16 },
        xAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
        yAxis: { type: 'category', data: by.map((g) => g.key) },
        series: [{ type: 'bar', name: t('complianceRate'), data: by.map((g) => Math.round((g.metrics[metric].compliance ?? 0) * 1000) / 10), markLine: { symbol: 'none', data: [{ xAxis: target }] } }],
      },
      table(t('breakdown'), [
        { label: t('key'), value: (g: Group) => g.key },
        { label: t('total'), value: (g) => g.metrics[metric].total },
        { label: t('breached'), value: (g) => g.metrics[metric].breached ?? '–' },
        { label: t('complianceRate'), value: (g) => percent(g.metrics[metric].compliance) },
      ], by),
      { path: PATH, params: byParams },
    );
  }

  // Breaches by weekday and hour of their due time: when the desk falls behind.
  const heatParams = { ...common, metric, outcome: 'breached', limit: 500 };
  const breached = await get<{ items: ClockRow[] }>(TICKETS + query(heatParams));
  const cells = new Map<string, number>();
  for (const row of breached.items) {
    if (!row.dueAt) continue;
    const due = new Date(row.dueAt);
    const cell = `${(due.getUTCDay() + 6) % 7}:${due.getUTCHours()}`;
    cells.set(cell, (cells.get(cell) ?? 0) + 1);
  }
  const days = lang() === 'zh' ? ['周一', '周二', '周三', '周四', '周五', '周六', '周日'] : ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
  const data = [...cells].map(([cell, count]) => {
    const [day, hour] = cell.split(':').map(Number);
    return [hour, day, count];
  });
  panel(
    root,
    'heatmap',
    t('heatmap'),
    {
      tooltip: {},
      grid: { left: 48, right: 24, bottom: 64, top: 16 },
      xAxis: { type: 'category', data: Array.from({ length: 24 }, (_, hour) => String(hour)) },
      yAxis: { type: 'category', data: days },
      visualMap: { min: 0, max: Math.max(1, ...data.map((d) => d[2])), calculable: true, orient: 'horizontal', left: 'center', bottom: 0, inRange: { color: ['#fdf1ef', '#c8423b'] } },
      series: [{ type: 'heatmap', data }],
    },
    table(t('heatmap'), [
      { label: t('weekday'), value: (d: number[]) => days[d[1]] },
      { label: t('hour'), value: (d) => d[0] },
      { label: t('breached'), value: (d) => d[2] },
    ], data),
    { path: TICKETS, params: heatParams },
  );
}
