import { channelsConfigSchema } from './channels-config';

describe('the channels configuration: a secret being rotated out', () => {
  const api = (previousSecret: unknown) => ({
    api: [{ id: 'partner', kind: 'partner-api', secret: 'new-secret-new-secret', previousSecret }],
  });

  it('takes the old secret with the time it stops being accepted', () => {
    const parsed = channelsConfigSchema.parse(
      api({ secret: 'old-secret-old-secret', validUntil: '2026-12-01T00:00:00+08:00' }),
    );
    expect(parsed.api[0]?.previousSecret).toEqual({
      secret: 'old-secret-old-secret',
      validUntil: '2026-12-01T00:00:00+08:00',
    });
  });

  it.each([
    ['no validUntil', { secret: 'old-secret-old-secret' }, 'validUntil'],
    [
      'a validUntil that is not a time',
      { secret: 'old-secret-old-secret', validUntil: 'next week' },
      'validUntil',
    ],
    ['a short old secret', { secret: 'short', validUntil: '2026-12-01T00:00:00Z' }, 'secret'],
    [
      'the new secret again',
      { secret: 'new-secret-new-secret', validUntil: '2026-12-01T00:00:00Z' },
      'previousSecret',
    ],
    [
      'an unknown field',
      { secret: 'old-secret-old-secret', validUntil: '2026-12-01T00:00:00Z', until: 1 },
      'previousSecret',
    ],
  ])('refuses %s, naming the field', (_what, previous, field) => {
    const result = channelsConfigSchema.safeParse(api(previous));
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.')).join(' ')).toContain(field);
  });

  it('does the same for voice channels and the email webhook', () => {
    const same = { secret: 'new-secret-new-secret', validUntil: '2026-12-01T00:00:00Z' };
    expect(
      channelsConfigSchema.safeParse({
        voice: [{ id: 'pbx', secret: 'new-secret-new-secret', previousSecret: same }],
      }).success,
    ).toBe(false);
    expect(
      channelsConfigSchema.safeParse({
        email: { webhookSecret: 'new-secret-new-secret', previousWebhookSecret: same },
      }).success,
    ).toBe(false);
    expect(
      channelsConfigSchema.safeParse({
        email: {
          webhookSecret: 'new-secret-new-secret',
          previousWebhookSecret: { ...same, secret: 'old-secret-old-secret' },
        },
      }).success,
    ).toBe(true);
  });
});
