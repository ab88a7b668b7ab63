import { readFileSync } from 'node:fs';
import { parseAssetTemplates, type AssetTemplate, type AssetTemplates } from '@app/ticketing';
import { problem, ProblemError } from '../http/problem';

/** The asset templates of ASSET_TEMPLATES_FILE, checked by the domain's parser at start-up. */
export class AssetTemplateCatalog {
  private constructor(readonly templates: AssetTemplates) {}

  static fromFile(path: string): AssetTemplateCatalog {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new Error(`ASSET_TEMPLATES_FILE ${path}: ${(error as Error).message}`);
    }
    const result = parseAssetTemplates(parsed);
    if (!result.ok) throw new Error(`ASSET_TEMPLATES_FILE ${path}: ${result.errors.join('; ')}`);
    return new AssetTemplateCatalog(result.templates);
  }

  /** The template named `name`; an unknown name is the caller's 400. */
  resolve(name: string): AssetTemplate {
    const template = Object.prototype.hasOwnProperty.call(this.templates, name) ? this.templates[name] : undefined;
    if (!template) {
      const known = Object.keys(this.templates).join(', ');
      throw new ProblemError(problem(400, 'UNKNOWN_TEMPLATE', `no asset template ${JSON.stringify(name)}; known: ${known}`, { errors: [{ field: 'template', message: 'is not a known asset template' }] }));
    }
    return template;
  }
}
