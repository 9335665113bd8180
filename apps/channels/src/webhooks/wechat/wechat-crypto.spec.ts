import { signatureMatches, WechatCipher, wechatSignature } from './wechat-crypto';
import { buildWechatXml, MalformedXml, parseWechatXml } from './wechat-xml';

// Vectors computed outside this code: Python's hashlib for SHA-1, the openssl CLI for AES-256-CBC.
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const FROM_OPENSSL =
  'Q3stYC6hdFzMh9T8HCvyDMwQK6xyeRZ7UnuZsYfP7/6Yf0piNuk7kxZYuxJFeZQQ6WWSSAGv9ZFJIKURndrGs1JT1aDndvER/c5HJrxboKF+ZURhVQjtw/3zKxpGf+s/';

describe('WeChat signatures and safe-mode cipher', () => {
  it('signs the sorted token, timestamp and nonce (and ciphertext) with SHA-1', () => {
    expect(wechatSignature('journeylocal', '1700000000', '12345')).toBe(
      '3bcfb1114721d1162d9a99b9ab4ff450212b5a83',
    );
    expect(wechatSignature('journeylocal', '1700000000', '12345', 'CIPHER')).toBe(
      'dcb546b7e989dcc552983bd8a5187c14a9f26c67',
    );
    expect(
      signatureMatches(
        '3bcfb1114721d1162d9a99b9ab4ff450212b5a83',
        '3BCFB1114721D1162D9A99B9AB4FF450212B5A83',
      ),
    ).toBe(true);
    expect(signatureMatches('3bcfb1114721d1162d9a99b9ab4ff450212b5a83', 'nope')).toBe(false);
    expect(signatureMatches('3bcfb1114721d1162d9a99b9ab4ff450212b5a83', undefined)).toBe(false);
  });

  it('decrypts what openssl encrypted with WeChat’s framing and 32-byte padding', () => {
    expect(new WechatCipher(AES_KEY, 'wx-test').decrypt(FROM_OPENSSL)).toBe(
      '<xml><Content><![CDATA[你好]]></Content></xml>',
    );
  });

  it('refuses a message for another appId and ciphertext that is not whole blocks', () => {
    expect(() => new WechatCipher(AES_KEY, 'wx-other').decrypt(FROM_OPENSSL)).toThrow(/another appId/);
    expect(() => new WechatCipher(AES_KEY, 'wx-test').decrypt('YWJj')).toThrow(/whole AES blocks/);
  });

  it('encrypts replies that decrypt back, with a fresh random prefix each time', () => {
    const cipher = new WechatCipher(AES_KEY, 'wx-test');
    const a = cipher.encrypt('reply 回复');
    expect(cipher.decrypt(a)).toBe('reply 回复');
    expect(cipher.encrypt('reply 回复')).not.toBe(a);
  });
});

describe('WeChat XML', () => {
  it('reads the flat fields, CDATA included', () => {
    expect(
      parseWechatXml(
        '<xml><ToUserName><![CDATA[gh_1]]></ToUserName><CreateTime>1700000000</CreateTime><Content><![CDATA[a < b]]></Content></xml>',
      ),
    ).toEqual({ ToUserName: 'gh_1', CreateTime: '1700000000', Content: 'a < b' });
  });

  it('refuses malformed XML, another root and DTDs', () => {
    expect(() => parseWechatXml('<xml><Content>open')).toThrow(MalformedXml);
    expect(() => parseWechatXml('<root><a>1</a></root>')).toThrow(/root element must be <xml>/);
    expect(() => parseWechatXml('<!DOCTYPE xml [<!ENTITY x "y">]><xml><a>&x;</a></xml>')).toThrow(/DTDs/);
  });

  it('builds replies with text in CDATA, even text holding "]]>"', () => {
    const xml = buildWechatXml({ Content: 'x]]>y', CreateTime: 1 });
    expect(parseWechatXml(xml)).toEqual({ Content: 'x]]>y', CreateTime: '1' });
  });
});
