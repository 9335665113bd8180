import { buildWechatXml, MalformedXml, parseWechatXml, wechatFieldsSchema } from './wechat-xml';

describe('WeChat XML', () => {
  it('reads the flat fields of a message', () => {
    const xml = buildWechatXml({ FromUserName: 'o-1', MsgType: 'text', Content: '你好', CreateTime: 1 });
    expect(parseWechatXml(xml)).toEqual({
      FromUserName: 'o-1',
      MsgType: 'text',
      Content: '你好',
      CreateTime: '1',
    });
  });

  it('refuses XML nested past the parser depth limit as malformed, like any malformed XML', () => {
    const deep = `<xml>${'<a>'.repeat(5000)}x${'</a>'.repeat(5000)}</xml>`;
    expect(() => parseWechatXml(deep)).toThrow(MalformedXml);
    expect(() => parseWechatXml('<xml><Content>')).toThrow(MalformedXml);
    expect(() => parseWechatXml('<!DOCTYPE x><xml/>')).toThrow('DTDs and entities are not accepted');
  });

  it('bounds every field so that its events fit their contracts', () => {
    expect(wechatFieldsSchema.safeParse({ FromUserName: 'o'.repeat(129) }).success).toBe(false);
    expect(wechatFieldsSchema.safeParse({ Unknown: 'x'.repeat(2049) }).success).toBe(false);
    expect(wechatFieldsSchema.safeParse({ FromUserName: 'o-1', Content: '好'.repeat(2000) }).success).toBe(
      true,
    );
  });
});
