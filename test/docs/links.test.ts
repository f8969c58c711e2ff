import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const pages = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** The page's prose: fenced code blocks and inline code left out, so a `](…)` in an example is not a link. */
function prose(markdown: string): string[] {
  let fenced = false;
  return markdown.split('\n').map((line) => {
    if (/^\s*```/.test(line)) fenced = !fenced;
    return fenced || /^\s*```/.test(line) ? '' : line.replace(/`[^`]*`/g, '');
  });
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens; repeats get -1, -2, … */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const text = heading[1].replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    result.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return result;
}

/** Every relative link of a page: its target file (from the repository root) and anchor, and the line it is on. */
function links(page: string): { line: number; target: string; file: string; anchor?: string }[] {
  return prose(readFileSync(join(root, page), 'utf8')).flatMap((text, i) =>
    [...text.matchAll(/\]\(([^)\s]+)\)/g)]
      .map((m) => m[1])
      .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target)) // https:, mailto:
      .map((target) => {
        const [path, anchor] = target.split('#');
        const file = path === '' ? page : relative(root, join(root, dirname(page), path));
        return { line: i + 1, target, file, anchor };
      }),
  );
}

describe('the links of README.md and docs/', () => {
  it('are found', () => {
    expect(pages).toContain('docs/cli.md');
    expect(links('README.md').filter((l) => l.file.startsWith('docs/')).length).toBeGreaterThan(10);
  });

  it.each(pages)('%s: every relative link names a file that exists, and a heading that exists there', (page) => {
    const broken = links(page).filter(({ file, anchor }) => {
      if (!existsSync(join(root, file))) return true;
      return anchor !== undefined && file.endsWith('.md') && !anchors(readFileSync(join(root, file), 'utf8')).has(anchor);
    });
    expect(broken.map(({ line, target }) => `${page}:${line} → ${target}`)).toEqual([]);
  });

  it("reads headings' anchors as GitHub makes them", () => {
    const page =
      "# Kafka Streams' names\n## History: HDFS, landing data\n```\n# not a heading\n```\n## `run --warm-from`\n## Tests\n## Tests\n";
    expect([...anchors(page)]).toEqual(['kafka-streams-names', 'history-hdfs-landing-data', 'run---warm-from', 'tests', 'tests-1']);
  });
});
