import type { RegisterAsset } from './asset-commands';
import { validateAssetCommand } from './asset-command-validation';

/**
 * Asset templates (`config/asset-templates.json`): what a kind of asset is usually registered
 * with, so that a registration naming a template gets the coverages and entitlements of its
 * contract without spelling them out. A template fills only what the request leaves out.
 */
export type AssetTemplate = Readonly<{
  kind: string;
  coverages: RegisterAsset['data']['coverages'];
  entitlements?: RegisterAsset['data']['entitlements'];
  firstVisit?: RegisterAsset['data']['firstVisit'];
  autoTickets?: RegisterAsset['data']['autoTickets'];
  description?: string;
}>;

export type AssetTemplates = Readonly<Record<string, AssetTemplate>>;

const TEMPLATE_FIELDS = ['kind', 'coverages', 'entitlements', 'firstVisit', 'autoTickets', 'description'];
const TEMPLATE_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

/** Reads the templates file's content; every problem is reported, naming the template and the field. */
export function parseAssetTemplates(json: unknown): { ok: true; templates: AssetTemplates } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  const raw = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>)['templates'] : undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, errors: ['templates: must be an object of named templates'] };
  const templates: Record<string, AssetTemplate> = {};
  for (const [name, template] of Object.entries(raw)) {
    if (!TEMPLATE_NAME.test(name)) errors.push(`template ${JSON.stringify(name)}: a name is letters, digits and ._:-`);
    if (typeof template !== 'object' || template === null || Array.isArray(template)) {
      errors.push(`template ${name}: must be an object`);
      continue;
    }
    const fields = template as Record<string, unknown>;
    for (const key of Object.keys(fields)) if (!TEMPLATE_FIELDS.includes(key)) errors.push(`template ${name}: ${key}: is not a template field (${TEMPLATE_FIELDS.join(', ')})`);
    if (fields['description'] !== undefined && typeof fields['description'] !== 'string') errors.push(`template ${name}: description: must be text`);
    // The domain's own checks, on a registration that takes everything from the template.
    const { description: _description, ...asset } = fields;
    const problem = validateAssetCommand({
      type: 'RegisterAsset',
      data: { assetId: 'template-check', customerId: 'template-check', name: name, acceptedAt: '2000-01-01', saleDate: '2000-01-01', ...asset },
    } as RegisterAsset);
    if (problem) errors.push(`template ${name}: ${problem.message}`);
    else templates[name] = fields as unknown as AssetTemplate;
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, templates };
}

/** The registration with what it leaves out taken from `template`: the request's own fields win. */
export function withTemplate<T extends Record<string, unknown>>(request: T, template: AssetTemplate): T & Omit<AssetTemplate, 'description'> {
  const { description: _description, ...fields } = template;
  const filled: Record<string, unknown> = { ...request };
  for (const [key, value] of Object.entries(fields)) if (filled[key] === undefined) filled[key] = value;
  return filled as T & Omit<AssetTemplate, 'description'>;
}
