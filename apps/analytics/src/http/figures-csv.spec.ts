import { flatRowsCsv } from './figures-csv';

describe('flat rows as CSV', () => {
  it('puts the key first, then each figure, a record as one column per entry any row has', () => {
    const rows = [
      { key: { period: '2026-03' }, conversations: 3, byChannel: { email: 1, 'web-chat': 2 }, rate: 0.5 },
      { key: { period: '2026-04' }, conversations: 1, byChannel: { wechat: 1 }, rate: null },
    ];
    expect(flatRowsCsv(rows, ['period'])).toEqual([
      'period,conversations,byChannel.email,byChannel.web-chat,byChannel.wechat,rate\r\n',
      '2026-03,3,1,2,,0.5\r\n',
      '2026-04,1,,,1,\r\n',
    ]);
  });

  it('defuses a key that a spreadsheet would read as a formula', () => {
    const rows = [{ key: { channel: '=cmd()' }, views: 1 }];
    const [, line] = flatRowsCsv(rows, ['channel']);
    expect(line).toBe("'=cmd(),1\r\n");
  });

  it('is a header of the key alone when there are no rows', () => {
    expect(flatRowsCsv([], ['period'])).toEqual(['period\r\n']);
  });
});
