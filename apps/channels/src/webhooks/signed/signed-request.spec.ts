import { signRequest, verifySignedRequest } from './signed-request';

describe('signed requests (HMAC-SHA256 over timestamp and body)', () => {
  const now = Date.parse('2026-11-23T10:00:00Z');
  const body = Buffer.from('{"text":"hi"}');

  it('accepts a call signed with the secret within five minutes', () => {
    const headers = signRequest('s3cret-s3cret-s3cret', body, now - 299_000);
    expect(verifySignedRequest('s3cret-s3cret-s3cret', headers, body, now)).toEqual({ ok: true });
  });

  it('refuses another secret, a changed body, an old timestamp and missing headers, saying which', () => {
    const headers = signRequest('s3cret-s3cret-s3cret', body, now);
    expect(verifySignedRequest('other-secret-other', headers, body, now)).toEqual({
      ok: false,
      reason: 'the signature does not match the body',
    });
    expect(verifySignedRequest('s3cret-s3cret-s3cret', headers, Buffer.from('{"text":"hi!"}'), now).ok).toBe(
      false,
    );
    const old = signRequest('s3cret-s3cret-s3cret', body, now - 301_000);
    expect(verifySignedRequest('s3cret-s3cret-s3cret', old, body, now)).toMatchObject({
      reason: /more than 300 seconds/,
    });
    expect(verifySignedRequest('s3cret-s3cret-s3cret', {}, body, now)).toMatchObject({
      reason: /x-journey-timestamp/,
    });
    expect(
      verifySignedRequest('s3cret-s3cret-s3cret', { ...headers, 'x-journey-signature': 'md5=1' }, body, now),
    ).toMatchObject({ reason: /x-journey-signature/ });
  });

  it('takes the hex signature in either case', () => {
    const headers = signRequest('s3cret-s3cret-s3cret', body, now);
    const upper = {
      ...headers,
      'x-journey-signature': `sha256=${headers['x-journey-signature']!.slice(7).toUpperCase()}`,
    };
    expect(verifySignedRequest('s3cret-s3cret-s3cret', upper, body, now)).toEqual({ ok: true });
  });
});

describe('secret rotation with an overlap window', () => {
  const now = Date.parse('2026-11-23T10:00:00Z');
  const body = Buffer.from('{"text":"hi"}');
  const secrets = {
    secret: 'new-secret-new-secret',
    previousSecret: { secret: 'old-secret-old-secret', validUntil: '2026-11-30T10:00:00Z' },
  };

  it('accepts the new secret, and the old one until its validUntil, saying which', () => {
    expect(verifySignedRequest(secrets, signRequest(secrets.secret, body, now), body, now)).toEqual({
      ok: true,
    });
    expect(verifySignedRequest(secrets, signRequest('old-secret-old-secret', body, now), body, now)).toEqual({
      ok: true,
      previous: true,
    });
  });

  it('refuses the old secret from validUntil on, with the reason any wrong secret gets', () => {
    const at = Date.parse(secrets.previousSecret.validUntil);
    expect(verifySignedRequest(secrets, signRequest('old-secret-old-secret', body, at), body, at)).toEqual({
      ok: false,
      reason: 'the signature does not match the body',
    });
  });

  it('accepts no third secret, and the old one only for a call that is otherwise valid', () => {
    expect(verifySignedRequest(secrets, signRequest('some-other-secret-x', body, now), body, now).ok).toBe(
      false,
    );
    const stale = signRequest('old-secret-old-secret', body, now - 301_000);
    expect(verifySignedRequest(secrets, stale, body, now)).toMatchObject({ reason: /more than 300 seconds/ });
    const signed = signRequest('old-secret-old-secret', body, now);
    expect(verifySignedRequest(secrets, signed, Buffer.from('{"text":"changed"}'), now).ok).toBe(false);
  });
});
