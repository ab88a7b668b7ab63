import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ASSET_EVENT_TYPES, ENGINEER_EVENT_TYPES, PERSONAL_FIELDS, TICKET_EVENT_TYPES, UNIT_EVENT_TYPES } from '@app/ticketing';

/**
 * docs/events.md is the event catalogue, generated from the code by `npm run docs:events`
 * (scripts/docs-events.mjs reads the TypeScript unions). This test fails when the file no longer
 * says what the code declares: an event type missing, a field added, removed, renamed or retyped,
 * a schema version changed. The fix is to run `npm run docs:events` and commit the file.
 */
type Field = { name: string; type: string; required: boolean; alternative: boolean };
type Catalogue = {
  upToDate: boolean;
  groups: { title: string; events: { type: string; schemaVersion: number; fields: Field[]; personal: string[] }[] }[];
};

const root = process.cwd();
const doc = readFileSync(join(root, 'docs/events.md'), 'utf8');

// One run of the generator (it starts the TypeScript compiler: a few seconds, more on a loaded machine).
const catalogue = JSON.parse(
  execFileSync(process.execPath, [join(root, 'scripts/docs-events.mjs'), '--json'], { cwd: root, encoding: 'utf8', timeout: 180_000 }),
) as Catalogue;
const events = catalogue.groups.flatMap((group) => group.events);

/** The section of docs/events.md about one event type, from its heading to the next. */
function sectionOf(type: string): string | undefined {
  const start = doc.indexOf(`\n### ${type}\n`);
  if (start < 0) return undefined;
  const next = doc.indexOf('\n### ', start + 1);
  const end = next < 0 ? doc.length : next;
  return doc.slice(start, end);
}

/** The field table of a section: name and type cell of each row. */
function documentedFields(section: string): { name: string; type: string }[] {
  return [...section.matchAll(/^\| `([^`]+)` \| `((?:[^`\\]|\\.)+)`/gm)].map((m) => ({ name: m[1], type: m[2].replace(/\\\|/g, '|') }));
}

describe('docs/events.md, the event catalogue', () => {
  it('lists every event type of the code, with nothing extra', () => {
    const inCode = new Set<string>([...TICKET_EVENT_TYPES, ...ASSET_EVENT_TYPES, ...UNIT_EVENT_TYPES, ...ENGINEER_EVENT_TYPES, ...Object.keys(PERSONAL_FIELDS), 'PersonalDataErased']);
    const generated = new Set(events.map((event) => event.type));
    expect([...inCode].filter((type) => !generated.has(type))).toEqual([]);
    const missingFromDoc = [...generated].filter((type) => sectionOf(type) === undefined);
    expect(missingFromDoc).toEqual([]);
    const documented = [...doc.matchAll(/^### (\w+)$/gm)].map((m) => m[1]);
    expect(documented.filter((type) => !generated.has(type))).toEqual([]);
  });

  it('documents each type with the fields, types and schema version the code declares', () => {
    for (const event of events) {
      const section = sectionOf(event.type) ?? '';
      expect({ type: event.type, fields: documentedFields(section) }).toEqual({
        type: event.type,
        fields: event.fields.map((field) => ({ name: field.name, type: field.type })),
      });
      expect(section).toContain(`Schema version ${event.schemaVersion}.`);
    }
  });

  it('is exactly what `npm run docs:events` writes (run it after changing an event type)', () => {
    expect(catalogue.upToDate).toBe(true);
  });
});
