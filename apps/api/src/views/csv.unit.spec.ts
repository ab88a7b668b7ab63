import { toCsv } from './csv';

const line = (...cells: unknown[]) => toCsv(['a'], [cells]).split('\r\n')[1];

describe('toCsv', () => {
  it('guards text that starts a formula, a leading minus or digit after it included', () => {
    expect(line("-1+cmd|' /C calc'!A0")).toBe("'-1+cmd|' /C calc'!A0");
    expect(line('-2+3')).toBe("'-2+3");
    expect(line('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(line('+41 22 000 00 00')).toBe("'+41 22 000 00 00");
    expect(line('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(line('\t=1')).toBe("'\t=1");
    expect(line('\r=1')).toBe(`"'\r=1"`);
    // Text that looks like a number is still text from a client: it is guarded too.
    expect(line('-5')).toBe("'-5");
  });

  it('writes the view\'s numbers as numbers, negative ones included, and leaves plain text alone', () => {
    expect(line(-5, -0.25, 0, 42, 12n)).toBe('-5,-0.25,0,42,12');
    expect(line('2026-11-25T10:45:00.000Z', 'customer-042', 'a-b', true, null, undefined)).toBe('2026-11-25T10:45:00.000Z,customer-042,a-b,true,,');
  });

  it('quotes fields holding a comma, a quote or a line break', () => {
    expect(toCsv(['x', 'y'], [['a,b', 'say "hi"'], ['line\nbreak', 1]])).toBe('x,y\r\n"a,b","say ""hi"""\r\n"line\nbreak",1\r\n');
  });

  it('guards a formula behind leading blanks or quotes, the gaps a first-character check leaves', () => {
    expect(line(' =1+1')).toBe("' =1+1");
    expect(line('  @SUM(A1)')).toBe("'  @SUM(A1)");
    expect(line('"=cmd"')).toBe(`"'""=cmd"""`);
    expect(line("'-2+3")).toBe("''-2+3");
    expect(line('\n=1')).toBe(`"'\n=1"`);
    expect(line('\uff1d1+1')).toBe("'\uff1d1+1");
    // In the header too: every text cell is guarded.
    expect(toCsv(['=x'], []).split('\r\n')[0]).toBe("'=x");
    // Text that merely contains these characters later is left alone.
    expect(line('a=b', 'x-y', 'mail@example.com')).toBe('a=b,x-y,mail@example.com');
  });
});
