import { normaliseQuery } from './reader-activity';

describe('a query as the content-gap report groups it', () => {
  it('folds case, width and traditional script, and collapses punctuation', () => {
    expect(normaliseQuery('  How do I RETURN…  my order?? ')).toBe('how do i return my order');
    expect(normaliseQuery('退貨運費')).toBe('退货运费');
    expect(normaliseQuery('ＲＥＦＵＮＤ')).toBe('refund');
  });

  it('masks e-mail addresses and long digit runs (phone, order, card numbers), keeps short numbers', () => {
    expect(normaliseQuery('order 13800138000 for li.lei@example.com')).toBe('order # for [email]');
    expect(normaliseQuery('card 4111 1111 1111 1111 declined')).toBe('card # declined');
    expect(normaliseQuery('size 42 shoes')).toBe('size 42 shoes');
  });
});
