import { ERASED, journeyCatalogue } from '@journey/contracts';
import { InMemoryEventStore } from '../in-memory/in-memory-event-store';
import { InMemoryPersonalDataKeys, KeyWrapper } from './personal-data-keys';
import { PersonalDataEventStore } from './personal-data-event-store';
import { PersonalDataProtection } from './personal-data-protection';

const contactId = '3f0a6a55-8f0e-4c38-9d77-2a1b1c0f9e01';
const created = (name: string) => ({
  id: crypto.randomUUID(),
  type: 'contacts.contact-created.v1',
  data: { contactId, identities: [{ kind: 'email', value: 'mei@example.com', verified: true }], name },
  metadata: {
    source: 'contacts',
    contactId,
    correlationId: crypto.randomUUID(),
    schemaVersion: 1,
    time: new Date().toISOString(),
  },
});

describe('crypto-shredding of personal data', () => {
  let keys: InMemoryPersonalDataKeys;
  let store: PersonalDataEventStore;
  let stored: InMemoryEventStore;
  beforeEach(() => {
    keys = new InMemoryPersonalDataKeys();
    stored = new InMemoryEventStore();
    store = new PersonalDataEventStore(stored, new PersonalDataProtection(keys, journeyCatalogue));
  });

  it('stores only ciphertext in the personal fields and reads them back in the clear', async () => {
    await store.append(`contact-${contactId}`, [created('Mei Chen')], 'no_stream');
    const [raw] = await stored.readStream(`contact-${contactId}`);
    expect(JSON.stringify(raw?.data)).not.toMatch(/Mei Chen|mei@example\.com/);
    expect(raw?.data).toMatchObject({ contactId, identities: [{ kind: 'email', verified: true }] });
    const [read] = await store.readStream(`contact-${contactId}`);
    expect(read?.data).toEqual(created('Mei Chen').data);
  });

  it('reads erased fields as [erased] once the key is gone, on every read path', async () => {
    await store.append(`contact-${contactId}`, [created('Mei Chen')], 'no_stream');
    expect(await keys.erase([`contact-${contactId}`])).toBe(1);
    const expected = {
      contactId,
      identities: [{ kind: 'email', value: ERASED, verified: true }],
      name: ERASED,
    };
    expect((await store.readStream(`contact-${contactId}`))[0]?.data).toEqual(expected);
    expect((await store.readAll()).find((e) => e.streamId === `contact-${contactId}`)?.data).toEqual(
      expected,
    );
    expect(journeyCatalogue.validate('contacts.contact-created.v1', expected, 'read').ok).toBe(true);
  });

  it('encrypts what is written after an erasure with a new key, which stays readable', async () => {
    await store.append(`contact-${contactId}`, [created('Old Name')], 'no_stream');
    await keys.erase([`contact-${contactId}`]);
    await store.append(`contact-${contactId}`, [created('New Name')], 'any');
    const names = (await store.readStream(`contact-${contactId}`)).map(
      (e) => (e.data as { name: string }).name,
    );
    expect(names).toEqual([ERASED, 'New Name']);
  });

  it('refuses ciphertext that was tampered with instead of reading garbage', async () => {
    await store.append(`contact-${contactId}`, [created('Mei Chen')], 'no_stream');
    const [raw] = await stored.readStream(`contact-${contactId}`);
    const name = (raw?.data as { name: string }).name;
    // The second-to-last character carries only data bits: changing it always changes the ciphertext.
    const flipped = name.slice(0, -2) + (name.at(-2) === 'A' ? 'B' : 'A') + name.slice(-1);
    const protection = new PersonalDataProtection(keys, journeyCatalogue);
    await expect(
      protection.reveal([
        {
          type: 'contacts.contact-created.v1',
          data: { ...(raw?.data as object), name: flipped },
          subject: `contact-${contactId}`,
        },
      ]),
    ).rejects.toThrow();
  });

  it("reads data sealed by another installation's key store as erased, never as an error", async () => {
    await store.append(`contact-${contactId}`, [created('Mei Chen')], 'no_stream');
    const [raw] = await stored.readStream(`contact-${contactId}`);
    const elsewhere = new PersonalDataProtection(new InMemoryPersonalDataKeys(), journeyCatalogue);
    await elsewhere.protect(`contact-${contactId}`, [created('Someone else')]); // same subject, other store
    const [data] = await elsewhere.reveal([
      { type: 'contacts.contact-created.v1', data: raw?.data, subject: `contact-${contactId}` },
    ]);
    expect(data).toMatchObject({ name: ERASED });
  });

  it('keeps plaintext that was stored before protection existed', async () => {
    const protection = new PersonalDataProtection(keys, journeyCatalogue);
    const data = created('Plain').data;
    expect(
      await protection.reveal([{ type: 'contacts.contact-created.v1', data, subject: 'contact-x' }]),
    ).toEqual([data]);
  });

  it('wraps data keys under the master key, bound to their subject and generation', () => {
    const wrapper = new KeyWrapper(Buffer.alloc(32, 7));
    const key = Buffer.alloc(32, 1);
    const wrapped = wrapper.wrap('contact-a', 1, key);
    expect(wrapper.unwrap('contact-a', 1, wrapped)).toEqual(key);
    expect(() => wrapper.unwrap('contact-b', 1, wrapped)).toThrow();
    expect(() => new KeyWrapper(Buffer.alloc(16))).toThrow(/32 bytes/);
  });
});
