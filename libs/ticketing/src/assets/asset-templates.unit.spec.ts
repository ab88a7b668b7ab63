import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAssetTemplates, withTemplate } from './asset-templates';

describe('asset templates', () => {
  it('reads the shipped file: renovation, it-system and dealer-product as the contracts say', () => {
    const parsed = parseAssetTemplates(JSON.parse(readFileSync(join(process.cwd(), 'config/asset-templates.json'), 'utf8')));
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    const { renovation, 'it-system': it, 'dealer-product': dealer } = parsed.templates;
    expect(renovation.coverages).toEqual([
      { category: 'waterproofing', years: 5, startsFrom: 'acceptance' },
      { category: 'other', years: 2, startsFrom: 'acceptance' },
    ]);
    expect(it.coverages).toEqual([{ category: 'system', years: 5, startsFrom: 'acceptance-day' }]);
    expect(it.entitlements).toEqual({ relocation: 1, rebuild: 1, inspectionsPerYear: 1 });
    expect(dealer.coverages).toEqual([{ category: 'product', years: 1, startsFrom: 'sale' }]);
  });

  it('names the template and the field of every problem', () => {
    const parsed = parseAssetTemplates({ templates: { bad: { kind: 'x', coverages: [{ category: 'a', years: 5, startsFrom: 'handover' }], colour: 'red' } } });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors).toEqual([
      'template bad: colour: is not a template field (kind, coverages, entitlements, firstVisit, autoTickets, description)',
      'template bad: coverages[0].startsFrom must be one of acceptance, acceptance-day, sale',
    ]);
    expect(parseAssetTemplates({ templates: [] })).toEqual({ ok: false, errors: ['templates: must be an object of named templates'] });
  });

  it('fills only what the request leaves out', () => {
    const template = { kind: 'it-system', coverages: [{ category: 'system', years: 5 }], entitlements: { relocation: 1 }, description: 'd' };
    expect(withTemplate({ name: 'ERP', coverages: [{ category: 'system', years: 3 }] }, template)).toEqual({
      name: 'ERP',
      kind: 'it-system',
      coverages: [{ category: 'system', years: 3 }],
      entitlements: { relocation: 1 },
    });
  });
});
