import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// The domain stays pure (docs/architecture.md): no framework, no
// I/O, no clock, no randomness. Jest runs from the repository root (package.json scripts).
const SOURCE = join(process.cwd(), 'libs/ticketing/src');

const FORBIDDEN: [RegExp, string][] = [
  [/from ['"]@nestjs\//, 'a NestJS import'],
  [/from ['"](node:)?(fs|path|http|https|net|child_process|crypto|os)(\/[\w/]*)?['"]/, 'a Node I/O module'],
  [/from ['"]@app\/(?!ticketing)/, 'another library of the app'],
  [/Date\.now\(/, 'a clock read (Date.now)'],
  [/new Date\(\)/, 'a clock read (new Date())'],
  [/Math\.random\(/, 'randomness'],
  [/console\./, 'console output'],
  [/process\./, 'the process environment'],
];

function librarySources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return entry.name === 'testing' ? [] : librarySources(join(dir, entry.name));
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [join(dir, entry.name)] : [];
  });
}

describe('libs/ticketing source', () => {
  const files = librarySources(SOURCE);

  it('is found where the test looks for it', () => {
    expect(files.map((file) => file.slice(SOURCE.length + 1))).toEqual(
      expect.arrayContaining(['decide.ts', 'evolve.ts', 'index.ts']),
    );
  });

  it('imports no framework or I/O and reads no clock or randomness', () => {
    const offences = files.flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      return FORBIDDEN.filter(([pattern]) => pattern.test(text)).map(([, what]) => `${file}: ${what}`);
    });
    expect(offences).toEqual([]);
  });

  it('keeps every file under about 300 lines', () => {
    const long = files.filter((file) => readFileSync(file, 'utf8').split('\n').length > 320);
    expect(long).toEqual([]);
  });
});
