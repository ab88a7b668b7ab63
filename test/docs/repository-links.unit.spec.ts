import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * A clone of this repository must be complete on its own: no tracked file may point outside it
 * (a Markdown link or a quoted relative path that climbs above the root, an absolute path of the
 * machine it was written on, a design file kept beside the repository), and every relative link in
 * the Markdown files must reach a file that exists (and, for `#anchor` links into Markdown, a
 * heading that exists).
 */
const root = process.cwd();
const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
  .split('\0')
  .filter((file) => file !== '' && existsSync(join(root, file)) && statSync(join(root, file)).isFile());

// Built from pieces so that this file does not match itself.
const FORBIDDEN: readonly { what: string; text: string }[] = [
  { what: 'an absolute path of the build machine', text: ['', 'work', ''].join('/') },
  { what: 'a folder beside the repository', text: ['..', 'shared', ''].join('/') },
  { what: 'a design file outside the repository', text: ['shared', 'DESIGN.md'].join('/') },
];

function textOf(file: string): string | undefined {
  const bytes = readFileSync(join(root, file));
  if (bytes.length > 5_000_000 || bytes.includes(0)) return undefined; // binary or generated data
  return bytes.toString('utf8');
}

const lineOf = (text: string, index: number) => text.slice(0, index).split('\n').length;
const inside = (path: string) => {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep));
};

/** Markdown links and images: `[text](target)`, with the target's anchor split off. */
function markdownLinks(text: string): { target: string; anchor: string | undefined; index: number }[] {
  const withoutCode = text.replace(/```[\s\S]*?```/g, (block) => block.replace(/[^\n]/g, ' '));
  return [...withoutCode.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => {
    const [target, anchor] = m[1].split('#', 2);
    return { target, anchor, index: m.index ?? 0 };
  });
}

const external = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target);

/** The anchors GitHub gives a Markdown file's headings. */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '');
  for (const m of withoutCode.matchAll(/^#{1,6} (.+)$/gm)) {
    const base = m[1]
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\- _]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

describe('the repository refers to nothing outside itself', () => {
  it('has no tracked file naming a path outside the repository', () => {
    const found: string[] = [];
    for (const file of tracked) {
      const text = textOf(file);
      if (text === undefined) continue;
      for (const { what, text: needle } of FORBIDDEN) {
        const at = text.indexOf(needle);
        if (at >= 0) found.push(`${file}:${lineOf(text, at)}: ${what} (${needle})`);
      }
      // Quoted relative paths and Markdown link targets that climb above the root.
      const candidates = [
        ...[...text.matchAll(/['"`(](\.\.\/[^'"`)\s]*)/g)].map((m) => ({ path: m[1], index: m.index ?? 0 })),
        ...(file.endsWith('.md') ? markdownLinks(text).filter((l) => !external(l.target) && l.target.startsWith('/')).map((l) => ({ path: l.target, index: l.index })) : []),
      ];
      for (const { path, index } of candidates) {
        // TypeScript runs compiled, from dist/<its folder>: a path relative to __dirname is read from there.
        const from = file.endsWith('.ts') ? [dirname(file), join('dist', dirname(file))] : [dirname(file)];
        const escapes = path.startsWith('/') ? !inside(path) : from.every((dir) => !inside(resolve(root, dir, path)));
        if (escapes) found.push(`${file}:${lineOf(text, index)}: ${path} leads outside the repository`);
      }
    }
    expect(found).toEqual([]);
  });

  it('resolves every relative link of the Markdown files to a file, and every anchor to a heading', () => {
    const broken: string[] = [];
    const markdownFiles = tracked.filter((file) => file.endsWith('.md'));
    expect(markdownFiles).toEqual(expect.arrayContaining(['README.md', 'docs/architecture.md', 'docs/events.md', 'docs/api.md', 'docs/operations.md', 'docs/decisions/README.md']));
    for (const file of markdownFiles) {
      const text = readFileSync(join(root, file), 'utf8');
      for (const { target, anchor, index } of markdownLinks(text)) {
        if (external(target)) continue;
        const path = target === '' ? join(root, file) : resolve(root, dirname(file), decodeURIComponent(target));
        const where = `${file}:${lineOf(text, index)}: ${target}${anchor ? `#${anchor}` : ''}`;
        if (!inside(path)) broken.push(`${where} leads outside the repository`);
        else if (!existsSync(path)) broken.push(`${where} does not exist`);
        else if (anchor && path.endsWith('.md') && !anchorsOf(readFileSync(path, 'utf8')).has(anchor)) broken.push(`${where} names no heading there`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('keeps the README a front page of at most 12,000 characters', () => {
    expect(readFileSync(join(root, 'README.md'), 'utf8').length).toBeLessThanOrEqual(12_000);
  });
});
