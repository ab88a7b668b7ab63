import { get, query } from '../api';
import { panel } from '../chart';
import { h, percent, table } from '../dom';
import { t, termOf } from '../i18n';

interface Kind {
  rated: number;
  satisfied: number;
  rate: number | null;
  target: number;
  met: boolean | null;
}
interface View {
  groups: Array<{ key: string; kinds: Record<string, Kind> }>;
  revisitRateByMonth: Array<{ month: string; restored: number; revisited: number; rate: number | null }>;
}

const PATH = '/v1/views/satisfaction';
const KINDS = ['consultation', 'onsite', 'product'];
const COLOURS = ['#2d6cdf', '#3a8f5c', '#b0892c'];

export async function satisfactionPage(root: HTMLElement): Promise<void> {
  const now = new Date();
  const params = { groupBy: 'month', from: new Date(Date.UTC(now.getUTCFullYear() - 1, now.getUTCMonth(), 1)).toISOString().slice(0, 10) };
  const view = await get<View>(PATH + query(params));
  root.append(h('h1', {}, t('satisfaction')));
  const pct = (value: number | null | undefined) => (value === null || value === undefined ? null : Math.round(value * 1000) / 10);
  const rows = view.groups.flatMap((g) => KINDS.filter((k) => g.kinds[k]).map((k) => ({ key: g.key, kind: k, ...g.kinds[k] })));
  panel(
    root,
    'satisfaction',
    t('satisfaction'),
    {
      tooltip: { trigger: 'axis' },
      legend: { top: 4, left: 0, data: KINDS.map(termOf) },
      grid: { left: 48, right: 24, bottom: 32, top: 48 },
      xAxis: { type: 'category', data: view.groups.map((g) => g.key) },
      yAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
      series: KINDS.map((kind, index) => ({
        name: termOf(kind),
        type: 'line',
        connectNulls: true,
        itemStyle: { color: COLOURS[index] },
        data: view.groups.map((g) => pct(g.kinds[kind]?.rate)),
        // The policy's target for the kind (98 / 95 / 95 % by default), as a dashed line.
        markLine: { symbol: 'none', lineStyle: { type: 'dashed', color: COLOURS[index] }, data: [{ yAxis: pct(view.groups.find((g) => g.kinds[kind])?.kinds[kind].target ?? null) ?? 0 }] },
      })),
    },
    table(t('satisfaction'), [
      { label: t('key'), value: (r: (typeof rows)[number]) => r.key },
      { label: t('kind'), value: (r) => termOf(r.kind) },
      { label: t('rated'), value: (r) => r.rated },
      { label: t('satisfied'), value: (r) => r.satisfied },
      { label: t('rate'), value: (r) => percent(r.rate) },
      { label: t('target'), value: (r) => percent(r.target) },
    ], rows),
    { path: PATH, params },
  );
  panel(
    root,
    'revisits',
    t('revisitRate'),
    {
      tooltip: { trigger: 'axis' },
      grid: { left: 48, right: 24, bottom: 32, top: 16 },
      xAxis: { type: 'category', data: view.revisitRateByMonth.map((m) => m.month) },
      yAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
      series: [{ type: 'bar', barMaxWidth: 64, name: t('revisitRate'), itemStyle: { color: '#5a6f8f' }, data: view.revisitRateByMonth.map((m) => pct(m.rate)) }],
    },
    table(t('revisitRate'), [
      { label: t('month'), value: (m: View['revisitRateByMonth'][number]) => m.month },
      { label: t('restored'), value: (m) => m.restored },
      { label: t('revisited'), value: (m) => m.revisited },
      { label: t('rate'), value: (m) => percent(m.rate) },
    ], view.revisitRateByMonth),
    { path: PATH, params },
  );
}
