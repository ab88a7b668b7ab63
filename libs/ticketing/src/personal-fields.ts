import type { AssetEventType } from './assets/asset-events';
import type { TicketEventType } from './ticket-events';

/**
 * Whose personal data a field holds, and so under whose key it is stored. Every field below is
 * the customer's (the customer of the ticket or asset, `customerId`): the people named on an
 * asset are the customer's owner, contacts and subcontractors, and the notes are about the
 * customer's case. Erasing a customer erases all of them.
 */
export type PersonalSubject = 'customer';

/**
 * A personal field of an event's data: a path of property names, `[]` after a name for each
 * element of an array (`contacts[].phone`). A path ending at an array (`findings[]`) means each
 * element.
 */
export type PersonalField = Readonly<{ path: string; subject: PersonalSubject }>;

const customer = (...paths: string[]): readonly PersonalField[] => paths.map((path) => ({ path, subject: 'customer' }));

/**
 * Which fields of each event are personal data, stored encrypted under the customer's key and
 * erased with it. Ids (`customerId`, `assetId`, `ticketId`, `engineerId`) stay clear: they are
 * pseudonyms. `by` names a member of staff or a service key, not the customer, and stays clear.
 *
 * Free text is personal where a customer writes it or it is written about the customer: the
 * fault as reported (`summary`), the desk's note on acknowledging, a rating's comment, what a
 * revisit heard. Technical text about the equipment (fault type, cause, method, losses,
 * resolution, inspection reports) and about the process (reasons for a new priority, a reopen,
 * a withdrawn alarm, an extension) stays clear. The events hold no postal address, and no
 * signature but the repair order's sign-off; a field added for one is declared here.
 */
export const PERSONAL_FIELDS: Readonly<Record<TicketEventType | AssetEventType, readonly PersonalField[]>> = {
  TicketReported: customer('summary'),
  ResponseAcknowledged: customer('note'),
  EngineerDispatched: [],
  EngineerArrived: [],
  TicketPaused: [],
  TicketResumed: [],
  TicketReprioritized: [],
  Restored: [],
  ReportFiled: [],
  SatisfactionRated: customer('comment'),
  RevisitCompleted: customer('outcome'),
  TicketClosed: [],
  TicketReopened: [],
  TicketAssigned: [],
  // The customer's name and signature on the repair order.
  RepairOrderSignedOff: customer('signedBy', 'signature'),
  SlaWarningReached: [],
  SlaBreached: [],
  EscalationRequired: [],
  SlaAlarmWithdrawn: [],
  AssetRegistered: customer('ownerName', 'contacts[].name', 'contacts[].phone', 'contacts[].email', 'subcontractors[].contact'),
  CoverageExtended: [],
  DepositRecorded: customer('note'),
  InspectionRecorded: [],
  RevisitPlanned: [],
  RevisitDone: customer('outcome'),
  EntitlementConsumed: [],
  RepairRecorded: [],
  RepairAssessed: [],
  // The schedule's own events carry dates, windows and plans: nothing personal.
  InspectionDue: [],
  InspectionOverdue: [],
  RevisitDue: [],
  RevisitOverdue: [],
  CoverageEnding: [],
  CoverageEnded: [],
  FirstVisitDue: [],
};

/** The personal fields of an event type; none for a type not declared above. */
export function personalFieldsOf(type: string): readonly PersonalField[] {
  return Object.prototype.hasOwnProperty.call(PERSONAL_FIELDS, type) ? PERSONAL_FIELDS[type as keyof typeof PERSONAL_FIELDS] : [];
}

/** One personal value found in an event's data: where it is (`contacts[1].phone`) and what it holds. */
export type PersonalValue = Readonly<{ path: string; value: unknown }>;

/**
 * Replaces each personal value present in `data` by `replace(value, path)`, without changing
 * `data`: a copy is made along the paths that change, everything else is shared. Absent values
 * (a field left out, an array shorter than another) are left out, never added.
 */
export function mapPersonalValues(
  type: string,
  data: Readonly<Record<string, unknown>>,
  replace: (value: unknown, path: string) => unknown,
): Record<string, unknown> {
  let result: Record<string, unknown> = data;
  for (const field of personalFieldsOf(type)) {
    result = mapPath(result, field.path.split('.'), '', replace) as Record<string, unknown>;
  }
  return result;
}

/** Every personal value present in `data`, with its concrete path. */
export function personalValues(type: string, data: Readonly<Record<string, unknown>>): PersonalValue[] {
  const found: PersonalValue[] = [];
  mapPersonalValues(type, data, (value, path) => {
    found.push({ path, value });
    return value;
  });
  return found;
}

function mapPath(node: unknown, steps: readonly string[], at: string, replace: (value: unknown, path: string) => unknown): unknown {
  if (steps.length === 0) return replace(node, at);
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return node;
  const [step, ...rest] = steps;
  const each = step.endsWith('[]');
  const name = each ? step.slice(0, -2) : step;
  const record = node as Record<string, unknown>;
  const child = record[name];
  if (child === undefined || child === null) return node;
  const path = at === '' ? name : `${at}.${name}`;
  let next: unknown;
  if (each) {
    if (!Array.isArray(child)) return node;
    let changed = false;
    const items = child.map((item, index) => {
      const mapped = mapPath(item, rest, `${path}[${index}]`, replace);
      if (mapped !== item) changed = true;
      return mapped;
    });
    next = changed ? items : child;
  } else {
    next = mapPath(child, rest, path, replace);
  }
  return next === child ? node : { ...record, [name]: next };
}
