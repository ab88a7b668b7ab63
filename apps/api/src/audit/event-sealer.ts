import { sealEvents, sealKeyOf, type EventStore } from '@app/event-store';
import type { AuditSigningKey } from './signing-key';

/** The injection token of the process's audit signing key (loaded, or created on first start, before the store opens). */
export const AUDIT_SIGNING_KEY = Symbol('AUDIT_SIGNING_KEY');

/**
 * The store the API appends through: every chained event gets `seal`, the HMAC of its chain hash
 * under a key derived from the audit signing key, as it is committed. Someone who can write the
 * store file but does not hold that key can recompute chain hashes, not seals; `audit verify
 * --since` names an unsealed or wrongly sealed event after the first sealed one.
 */
export function sealingStore(store: EventStore, key: AuditSigningKey): EventStore {
  const sealKey = sealKeyOf(key.privateKey);
  const append: EventStore['append'] = (stream, events, options) => store.append(stream, sealEvents(sealKey, events), options);
  return new Proxy(store, {
    get(target, property) {
      if (property === 'append') return append;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
