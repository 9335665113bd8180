/** Keys whose values are personal data (or secrets) wherever they appear in a log record; compared without case, `_` or `-`. */
const PERSONAL_KEYS = new Set(
  [
    'email',
    'emailAddress',
    'phone',
    'phoneNumber',
    'mobile',
    'firstName',
    'lastName',
    'fullName',
    'displayName',
    'customerName',
    'contactName',
    'nickname',
    'address',
    'street',
    'postalCode',
    'birthDate',
    'openId',
    'wechatOpenId',
    'unionId',
    'ip',
    'ipAddress',
    'remoteAddress',
    'body',
    'text',
    'content',
    'password',
    'token',
    'accessToken',
    'refreshToken',
    'authorization',
    'cookie',
    'setCookie',
    'secret',
    'apiKey',
    'signature',
  ].map(normaliseKey),
);

const REDACTED = '[redacted]';
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// International numbers (+country …) and mainland-China mobiles (11 digits starting 1[3-9]).
const PHONE =
  /(?<![\w+])(?:\+\d{1,3}[\s.-]?(?:\(\d{1,4}\)[\s.-]?)?\d{1,4}(?:[\s.-]?\d{2,4}){1,4}|1[3-9]\d{9})(?!\w)/g;
const BEARER = /\b(Bearer)\s+[A-Za-z0-9._~+/=-]+/gi;

function normaliseKey(key: string): string {
  return key.replace(/[-_]/g, '').toLowerCase();
}

/** Masks e-mail addresses, phone numbers and bearer tokens inside free text. */
export function scrubText(text: string): string {
  return text.replace(EMAIL, '[email]').replace(PHONE, '[phone]').replace(BEARER, '$1 [redacted]');
}

/**
 * Returns a copy of a log record with personal data removed: values under personal keys are replaced,
 * and e-mail addresses, phone numbers and tokens inside other strings are masked.
 */
export function redactPersonalData<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return scrubText(value) as T;
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (value instanceof Error) {
    return {
      type: value.name,
      message: scrubText(value.message),
      stack: value.stack && scrubText(value.stack),
    } as T;
  }
  if (Array.isArray(value)) return value.map((item) => redactPersonalData(item, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    out[key] =
      PERSONAL_KEYS.has(normaliseKey(key)) && inner != null ? REDACTED : redactPersonalData(inner, depth + 1);
  }
  return out as T;
}
