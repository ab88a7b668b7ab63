import { ApiError, get, query, session } from '../api';
import { panel } from '../chart';
import { h, table } from '../dom';
import { t } from '../i18n';

interface Archive {
  assetId: string;
  customerId: string;
  name: string;
  kind: string;
  earliestCoverageEnd: string | null;
  latestCoverageEnd: string | null;
  activeCoverages: number;
  inspectionOverdue: boolean;
  nextInspectionDue: string | null;
}
interface Due {
  dueOn: string;
  assetId: string;
  kind: string;
  status: string;
  ticketId: string | null;
}

const LIST = '/v1/views/warranty-archive';
const SCHEDULE = '/v1/views/schedule';
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function assetLink(assetId: string, show: (assetId: string) => void): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'link', 'data-asset': assetId }, assetId);
  button.addEventListener('click', () => show(assetId));
  return button;
}

/** One asset's archive: each list it holds (coverages, entitlements, repairs, ...) as a table. */
function archiveTables(archive: Record<string, unknown>): HTMLElement[] {
  const out: HTMLElement[] = [];
  for (const [name, value] of Object.entries(archive)) {
    if (!Array.isArray(value) || value.length === 0 || typeof value[0] !== 'object') continue;
    const columns = Object.keys(value[0] as object).filter((column) => typeof (value[0] as Record<string, unknown>)[column] !== 'object' || (value[0] as Record<string, unknown>)[column] === null);
    out.push(table(name, columns.map((column) => ({ label: column, value: (row: Record<string, unknown>) => (row[column] === null || row[column] === undefined ? '–' : String(row[column])) })), value as Array<Record<string, unknown>>, { 'data-archive': name }));
  }
  return out;
}

export async function warrantyPage(root: HTMLElement): Promise<void> {
  const today = Date.now();
  const within = day(today + 90 * 86_400_000);
  root.append(h('h1', {}, t('warranty')));
  const archiveSection = h('section', { class: 'panel', id: 'asset-archive', 'aria-live': 'polite' });
  const show = (assetId: string) =>
    void get<Record<string, unknown>>(`${LIST}/${encodeURIComponent(assetId)}`).then(
      (archive) => archiveSection.replaceChildren(h('h2', {}, `${t('archive')} · ${assetId}`), ...archiveTables(archive)),
      (error: Error) => archiveSection.replaceChildren(h('p', { class: 'error', role: 'alert' }, error.message)),
    );

  const endingParams = { coverageEndsBefore: within, limit: 500 };
  const ending = (await get<{ total: number; items: Archive[] }>(LIST + query(endingParams))).items.filter((a) => a.earliestCoverageEnd && a.earliestCoverageEnd >= day(today));
  const byWeek = new Map<string, number>();
  for (const asset of ending) {
    const start = Date.parse(asset.earliestCoverageEnd!.slice(0, 10));
    const monday = day(start - ((new Date(start).getUTCDay() + 6) % 7) * 86_400_000);
    byWeek.set(monday, (byWeek.get(monday) ?? 0) + 1);
  }
  const weeks = [...byWeek].sort(([a], [b]) => a.localeCompare(b));
  panel(
    root,
    'coverage-ending',
    t('coverageEnding'),
    {
      tooltip: { trigger: 'axis' },
      grid: { left: 48, right: 24, bottom: 32, top: 16 },
      xAxis: { type: 'category', data: weeks.map(([week]) => week) },
      yAxis: { type: 'value', minInterval: 1 },
      series: [{ type: 'bar', barMaxWidth: 64, name: t('coverageEnding'), itemStyle: { color: '#b0892c' }, data: weeks.map(([, count]) => count) }],
    },
    table(t('coverageEnding'), [
      { label: t('asset'), value: (a: Archive) => assetLink(a.assetId, show) },
      { label: t('customer'), value: (a) => a.customerId },
      { label: t('name'), value: (a) => a.name },
      { label: t('latestCoverageEnd'), value: (a) => a.earliestCoverageEnd ?? '–' },
      { label: t('activeCoverages'), value: (a) => a.activeCoverages },
    ], ending),
    { path: LIST, params: endingParams },
    true,
  );

  const overdueParams = { inspectionOverdue: 'true', limit: 500 };
  const overdue = await get<{ total: number; items: Archive[] }>(LIST + query(overdueParams));
  root.append(
    h(
      'section',
      { class: 'panel' },
      h('h2', {}, `${t('inspectionsOverdue')} (${overdue.total})`),
      table(t('inspectionsOverdue'), [
        { label: t('asset'), value: (a: Archive) => assetLink(a.assetId, show) },
        { label: t('customer'), value: (a) => a.customerId },
        { label: t('nextInspectionDue'), value: (a) => a.nextInspectionDue ?? '–' },
      ], overdue.items, { 'data-table': 'inspections-overdue' }),
    ),
  );

  // The schedule view answers analysts (and admins), not auditors.
  if (session.role() !== 'auditor') {
    const scheduleParams = { from: day(today), to: within, limit: 500 };
    try {
      const schedule = await get<{ items: Due[] }>(SCHEDULE + query(scheduleParams));
      const kinds = [...new Set(schedule.items.map((item) => item.kind))];
      const statuses = [...new Set(schedule.items.map((item) => item.status))];
      panel(
        root,
        'schedule',
        t('schedule'),
        {
          tooltip: { trigger: 'axis' },
          legend: { top: 4, left: 0, data: statuses },
          grid: { left: 48, right: 24, bottom: 32, top: 48 },
          xAxis: { type: 'category', data: kinds },
          yAxis: { type: 'value', minInterval: 1 },
          series: statuses.map((status) => ({ type: 'bar', stack: 'status', name: status, data: kinds.map((kind) => schedule.items.filter((i) => i.kind === kind && i.status === status).length) })),
        },
        table(t('schedule'), [
          { label: t('dueOn'), value: (i: Due) => i.dueOn },
          { label: t('asset'), value: (i) => assetLink(i.assetId, show) },
          { label: t('kind'), value: (i) => i.kind },
          { label: t('status'), value: (i) => i.status },
        ], schedule.items),
        { path: SCHEDULE, params: scheduleParams },
        true,
      );
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 403)) throw error;
    }
  }
  root.append(archiveSection);
}
