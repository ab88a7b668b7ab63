import { ApiError, get, session } from '../api';
import { panel } from '../chart';
import { h, table, when } from '../dom';
import { t, termOf } from '../i18n';

interface HistoryEvent {
  revision: number;
  position: string;
  type: string;
  data: Record<string, unknown>;
}

/** What moved a clock: the mark an event puts on the timeline. */
type Mark = 'started' | 'paused' | 'resumed' | 'warned' | 'breached' | 'withdrawn' | 'escalated' | 'stopped' | 'fact';

const MARK_COLOURS: Record<Mark, string> = {
  started: '#2d6cdf',
  paused: '#b0892c',
  resumed: '#5a9e4b',
  warned: '#e39a26',
  breached: '#c8423b',
  withdrawn: '#7b7b7b',
  escalated: '#8e2f8e',
  stopped: '#222222',
  fact: '#9aa5b1',
};

const ALL_CLOCKS = 'all clocks';

/** The mark and the clock(s) an event moves, following the clock rules (reported starts, pause holds, facts stop). */
export function marksOf(event: HistoryEvent): Array<{ mark: Mark; clock: string }> {
  const metric = typeof event.data.metric === 'string' ? event.data.metric : ALL_CLOCKS;
  switch (event.type) {
    case 'TicketReported':
      return [{ mark: 'started', clock: ALL_CLOCKS }];
    case 'TicketReopened':
      return [{ mark: 'started', clock: ALL_CLOCKS }];
    case 'TicketPaused':
      return [{ mark: 'paused', clock: ALL_CLOCKS }];
    case 'TicketResumed':
      return [{ mark: 'resumed', clock: ALL_CLOCKS }];
    case 'SlaWarningReached':
      return [{ mark: 'warned', clock: metric }];
    case 'SlaBreached':
      return [{ mark: 'breached', clock: metric }];
    case 'EscalationRequired':
      return [{ mark: 'escalated', clock: metric }];
    case 'SlaAlarmWithdrawn':
      return [{ mark: 'withdrawn', clock: metric }];
    case 'ResponseAcknowledged':
      return [{ mark: 'stopped', clock: 'response' }];
    case 'EngineerDispatched':
      return event.data.tier === 'senior' ? [{ mark: 'started', clock: 'seniorArrival' }] : [{ mark: 'fact', clock: ALL_CLOCKS }];
    case 'EngineerArrived':
      return [{ mark: 'stopped', clock: 'arrival' }];
    case 'Restored':
      return [
        { mark: 'stopped', clock: 'onsiteResolution' },
        { mark: 'stopped', clock: 'restoration' },
      ];
    case 'ReportFiled':
      return [{ mark: 'stopped', clock: 'report' }];
    default:
      return [{ mark: 'fact', clock: ALL_CLOCKS }];
  }
}

function timeline(root: HTMLElement, id: string, points: Array<{ at: string; clock: string; mark: Mark; label: string }>, rows: HTMLTableElement): void {
  const clocks = [...new Set(points.map((p) => p.clock))];
  const marks = [...new Set(points.map((p) => p.mark))];
  panel(
    root,
    'timeline',
    `${t('timeline')} · ${id}`,
    {
      tooltip: { formatter: (p: { data: [string, string, string] }) => `${p.data[2]}<br>${when(p.data[0])}` },
      legend: { top: 4, left: 0, data: marks },
      grid: { left: 140, right: 32, bottom: 48, top: 48 },
      xAxis: { type: 'time' },
      yAxis: { type: 'category', data: clocks.map((c) => (c === ALL_CLOCKS ? c : termOf(c))) },
      dataZoom: [{ type: 'inside' }, { type: 'slider', height: 16, bottom: 8 }],
      series: marks.map((mark) => ({
        name: mark,
        type: 'scatter',
        symbolSize: 12,
        itemStyle: { color: MARK_COLOURS[mark] },
        data: points.filter((p) => p.mark === mark).map((p) => [p.at, p.clock === ALL_CLOCKS ? p.clock : termOf(p.clock), p.label]),
      })),
    },
    rows,
  );
}

export async function ticketPage(root: HTMLElement, ticketId: string | undefined, navigate: (hash: string) => void): Promise<void> {
  const form = h('form', { class: 'filters' }, h('label', {}, t('ticketPrompt'), h('input', { name: 'ticketId', value: ticketId ?? '', required: true })), h('button', { type: 'submit' }, t('open')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = String(new FormData(form).get('ticketId') ?? '').trim();
    if (value) navigate(`#/ticket/${encodeURIComponent(value)}`);
  });
  root.append(h('h1', {}, t('ticket')), form);
  if (!ticketId) return;

  if (session.role() === 'analyst') {
    // The history is for auditors and admins; an analyst sees the clock rows the SLA view holds.
    root.append(h('p', { class: 'note' }, t('analystTimeline')));
    const rows = (JSON.parse(sessionStorage.getItem('dashboard.clockRows') ?? '[]') as Array<Record<string, string | null>>).filter((row) => row.ticketId === ticketId);
    const points = rows.flatMap((row) => [
      { at: row.reportedAt!, clock: row.metric!, mark: 'started' as Mark, label: `${termOf(row.metric!)} started` },
      ...(row.dueAt ? [{ at: row.dueAt, clock: row.metric!, mark: 'breached' as Mark, label: `${termOf(row.metric!)} due` }] : []),
      ...(row.stoppedAt ? [{ at: row.stoppedAt, clock: row.metric!, mark: 'stopped' as Mark, label: `${termOf(row.metric!)} stopped` }] : []),
    ]);
    if (points.length > 0) {
      timeline(root, ticketId, points, table(t('timeline'), [
        { label: t('at'), value: (p: (typeof points)[number]) => when(p.at) },
        { label: t('clock'), value: (p) => termOf(p.clock) },
        { label: t('event'), value: (p) => p.label },
      ], points));
    }
    return;
  }

  const events: HistoryEvent[] = [];
  try {
    for (let from: number | null = 0; from !== null; ) {
      const page: { events: HistoryEvent[]; nextRevision: number | null } = await get(`/v1/tickets/${encodeURIComponent(ticketId)}/history?fromRevision=${from}&limit=1000`);
      events.push(...page.events);
      from = page.nextRevision;
    }
  } catch (error) {
    root.append(h('p', { class: 'error', role: 'alert' }, error instanceof ApiError ? `${error.status} ${error.message}` : String(error)));
    return;
  }
  const points = events.flatMap((event) =>
    marksOf(event).map(({ mark, clock }) => ({ at: String(event.data.at ?? ''), clock, mark, label: event.type, revision: event.revision })),
  );
  timeline(
    root,
    ticketId,
    points,
    table(t('timeline'), [
      { label: t('revision'), value: (p: (typeof points)[number]) => p.revision },
      { label: t('at'), value: (p) => when(p.at) },
      { label: t('event'), value: (p) => p.label },
      { label: t('clock'), value: (p) => (p.clock === ALL_CLOCKS ? p.clock : termOf(p.clock)) },
      { label: 'mark', value: (p) => p.mark },
    ], points),
  );
}
