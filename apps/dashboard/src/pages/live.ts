import { followEvents } from '../api';
import { h, when } from '../dom';
import { t, termOf } from '../i18n';

interface Alarm {
  type: 'SlaWarningReached' | 'SlaBreached' | 'EscalationRequired';
  ticketId: string;
  metric: string;
  threshold: number | null;
  dueAt: string | null;
  reason: string | null;
  at: string;
}

/** Alarms as the server pushes them (GET /v1/stream/alarms); nothing polls. Returns how to stop. */
export function livePage(root: HTMLElement): () => void {
  const status = h('p', { class: 'status', role: 'status', 'data-stream': 'connecting' }, t('loading'));
  const list = h('ol', { class: 'alarms', 'aria-live': 'polite', 'aria-label': t('live') });
  const empty = h('p', { class: 'empty' }, t('noAlarms'));
  root.append(h('h1', {}, t('live')), status, empty, list);
  const stop = new AbortController();
  void followEvents(
    '/v1/stream/alarms',
    (event) => {
      const alarm = JSON.parse(event.data) as Alarm;
      empty.remove();
      const detail = alarm.type === 'SlaWarningReached' && alarm.threshold !== null ? ` ${Math.round(alarm.threshold * 100)}%` : '';
      list.prepend(
        h(
          'li',
          { class: `alarm ${alarm.type}`, 'data-alarm': alarm.type, 'data-ticket': alarm.ticketId },
          h('strong', {}, t(alarm.type)),
          ` · ${termOf(alarm.metric)}${detail} · `,
          h('a', { href: `#/ticket/${encodeURIComponent(alarm.ticketId)}` }, alarm.ticketId),
          ` · ${when(alarm.at)}`,
        ),
      );
    },
    (state, detail) => {
      status.dataset.stream = state;
      status.textContent = state === 'open' ? t('streamOpen') : state === 'closed' ? t('streamClosed') : `${t('streamError')} ${detail ?? ''}`;
    },
    stop.signal,
  );
  return () => stop.abort();
}
