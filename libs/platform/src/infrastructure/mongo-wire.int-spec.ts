import mongoose, { Schema } from 'mongoose';
import type { Connection } from 'mongoose';
import { isolatedMongoUrl, testInfrastructure } from '@journey/testing';

interface ContactView {
  contactId: string;
  tenant: string;
  email?: string;
  tier: 'standard' | 'vip';
  channels: string[];
  openTickets: number;
  lastContactAt: Date;
  traits: Record<string, string>;
}

// What the read models do through mongoose, proven on the server the project runs (FerretDB locally).
describe('MongoDB-wire server through mongoose (real server)', () => {
  let connection: Connection;
  const schema = new Schema<ContactView>({
    contactId: { type: String, required: true },
    tenant: { type: String, required: true },
    email: { type: String, unique: true, sparse: true },
    tier: { type: String, enum: ['standard', 'vip'], default: 'standard' },
    channels: [String],
    openTickets: { type: Number, default: 0 },
    lastContactAt: Date,
    traits: { type: Map, of: String },
  });
  schema.index({ tenant: 1, contactId: 1 }, { unique: true, name: 'tenant_contact' });
  schema.index({ tier: 1, lastContactAt: -1 }, { name: 'tier_recency' });

  beforeAll(async () => {
    connection = await mongoose
      // As the services do: collections and indexes are made explicitly, not in the background.
      .createConnection(isolatedMongoUrl(testInfrastructure(), 'mongo_spec'), {
        autoCreate: false,
        autoIndex: false,
      })
      .asPromise();
    await connection.model('ContactView', schema).syncIndexes();
  });
  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  const Views = () => connection.model<ContactView>('ContactView', schema);

  it('creates and finds documents, with filters, projection, sort and limit', async () => {
    await Views().create([
      {
        contactId: 'c1',
        tenant: 't',
        email: 'a@x.io',
        tier: 'vip',
        channels: ['chat'],
        lastContactAt: new Date('2026-01-02'),
      },
      {
        contactId: 'c2',
        tenant: 't',
        email: 'b@x.io',
        channels: ['email', 'wechat'],
        lastContactAt: new Date('2026-01-03'),
      },
      {
        contactId: 'c3',
        tenant: 't',
        channels: ['phone'],
        lastContactAt: new Date('2026-01-01'),
        traits: { pet: 'dog' },
      },
    ]);
    const recent = await Views()
      .find({ tenant: 't' }, { contactId: 1, _id: 0 })
      .sort({ lastContactAt: -1 })
      .limit(2)
      .lean();
    expect(recent).toEqual([{ contactId: 'c2' }, { contactId: 'c1' }]);
    expect(await Views().countDocuments({ channels: 'wechat' })).toBe(1);
    expect((await Views().findOne({ 'traits.pet': 'dog' }).lean())?.contactId).toBe('c3');
    expect(
      await Views()
        .find({ channels: { $in: ['chat', 'phone'] } })
        .countDocuments(),
    ).toBe(2);
  });

  it('updates in place: $set, $inc, $addToSet, $pull, and upserts', async () => {
    await Views().updateOne(
      { contactId: 'c1' },
      { $inc: { openTickets: 2 }, $addToSet: { channels: 'email' } },
    );
    await Views().updateOne({ contactId: 'c1' }, { $addToSet: { channels: 'email' } });
    await Views().updateOne({ contactId: 'c1' }, { $pull: { channels: 'chat' } });
    const c1 = await Views()
      .findOneAndUpdate({ contactId: 'c1' }, { $set: { tier: 'standard' } }, { new: true })
      .lean();
    expect(c1).toMatchObject({ openTickets: 2, channels: ['email'], tier: 'standard' });

    await Views().updateOne(
      { contactId: 'c4' },
      { $setOnInsert: { tenant: 't', lastContactAt: new Date('2026-02-01') }, $inc: { openTickets: 1 } },
      { upsert: true },
    );
    expect(await Views().findOne({ contactId: 'c4' }).lean()).toMatchObject({ tenant: 't', openTickets: 1 });
  });

  it('applies ordered and unordered bulk writes', async () => {
    const result = await Views().bulkWrite([
      {
        updateOne: {
          filter: { contactId: 'c5' },
          update: { $set: { tenant: 't', lastContactAt: new Date() } },
          upsert: true,
        },
      },
      { updateOne: { filter: { contactId: 'c2' }, update: { $inc: { openTickets: 5 } } } },
      { deleteOne: { filter: { contactId: 'c3' } } },
      { insertOne: { document: { contactId: 'c6', tenant: 't', lastContactAt: new Date() } as ContactView } },
    ]);
    expect(result.upsertedCount).toBe(1);
    expect(result.modifiedCount).toBe(1);
    expect(result.deletedCount).toBe(1);
    expect(result.insertedCount).toBe(1);

    // Unordered: the duplicate fails, the others still apply.
    await expect(
      Views().bulkWrite(
        [
          { insertOne: { document: { contactId: 'c7', tenant: 't' } as ContactView } },
          { insertOne: { document: { contactId: 'c1', tenant: 't' } as ContactView } },
          { insertOne: { document: { contactId: 'c8', tenant: 't' } as ContactView } },
        ],
        { ordered: false },
      ),
    ).rejects.toMatchObject({ code: 11000 });
    expect(await Views().countDocuments({ contactId: { $in: ['c7', 'c8'] } })).toBe(2);
  });

  it('enforces a compound unique index and a sparse unique index', async () => {
    await expect(Views().create({ contactId: 'c1', tenant: 't' })).rejects.toMatchObject({ code: 11000 });
    await Views().create({ contactId: 'c1', tenant: 'other' }); // unique per tenant only
    await expect(Views().create({ contactId: 'c9', tenant: 't', email: 'b@x.io' })).rejects.toMatchObject({
      code: 11000,
    });
    await Views().create([
      { contactId: 'c10', tenant: 't' },
      { contactId: 'c11', tenant: 't' },
    ]); // many without e-mail: the sparse index skips them
    const names = (await Views().listIndexes()).map((i) => i.name);
    expect(names).toEqual(expect.arrayContaining(['email_1', 'tenant_contact', 'tier_recency']));
  });

  it('aggregates: $match, $unwind, $group, $sort, $project', async () => {
    const perChannel = await Views().aggregate<{ _id: string; contacts: number; openTickets: number }>([
      { $match: { tenant: 't' } },
      { $unwind: '$channels' },
      { $group: { _id: '$channels', contacts: { $sum: 1 }, openTickets: { $sum: '$openTickets' } } },
      { $sort: { _id: 1 } },
      { $project: { _id: 1, contacts: 1, openTickets: 1 } },
    ]);
    expect(perChannel).toEqual([
      { _id: 'email', contacts: 2, openTickets: 7 },
      { _id: 'wechat', contacts: 1, openTickets: 5 },
    ]);
  });

  it('aggregates what analytics needs: $avg/$min/$max/$push, $cond, dates, $lookup, $facet', async () => {
    const db = connection.db;
    if (!db) throw new Error('not connected');
    const tickets = db.collection('tickets');
    await tickets.insertMany([
      {
        group: 'billing',
        contactId: 'c1',
        minutesToReply: 4,
        breached: false,
        openedAt: new Date('2026-03-01T09:00:00Z'),
      },
      {
        group: 'billing',
        contactId: 'c2',
        minutesToReply: 30,
        breached: true,
        openedAt: new Date('2026-03-01T15:00:00Z'),
      },
      {
        group: 'shipping',
        contactId: 'c1',
        minutesToReply: 8,
        breached: false,
        openedAt: new Date('2026-03-02T10:00:00Z'),
      },
    ]);
    const perGroup = await tickets
      .aggregate([
        {
          $group: {
            _id: '$group',
            avg: { $avg: '$minutesToReply' },
            min: { $min: '$minutesToReply' },
            max: { $max: '$minutesToReply' },
            contacts: { $push: '$contactId' },
            breaches: { $sum: { $cond: ['$breached', 1, 0] } },
          },
        },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    expect(perGroup).toEqual([
      { _id: 'billing', avg: 17, min: 4, max: 30, contacts: ['c1', 'c2'], breaches: 1 },
      { _id: 'shipping', avg: 8, min: 8, max: 8, contacts: ['c1'], breaches: 0 },
    ]);

    const perDay = await tickets
      .aggregate([
        { $group: { _id: { $dateToString: { format: '%Y-%m-%d', date: '$openedAt' } }, n: { $sum: 1 } } },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    expect(perDay).toEqual([
      { _id: '2026-03-01', n: 2 },
      { _id: '2026-03-02', n: 1 },
    ]);

    const joined = await tickets
      .aggregate([
        { $match: { group: 'shipping' } },
        {
          $lookup: {
            from: 'contactviews',
            localField: 'contactId',
            foreignField: 'contactId',
            as: 'contact',
          },
        },
        { $project: { _id: 0, tenants: '$contact.tenant' } },
      ])
      .toArray();
    expect(joined).toHaveLength(1);
    expect([...(joined[0]?.['tenants'] as string[])].sort()).toEqual(['other', 't']); // c1 exists in two tenants

    const [facets] = await tickets
      .aggregate([
        { $facet: { total: [{ $count: 'n' }], breached: [{ $match: { breached: true } }, { $count: 'n' }] } },
      ])
      .toArray();
    expect(facets).toEqual({ total: [{ n: 3 }], breached: [{ n: 1 }] });
  });

  it('renames a rebuilt collection over the live one (what blue/green rebuilds rely on)', async () => {
    const db = connection.db;
    if (!db) throw new Error('not connected');
    await db.collection('view_v2').insertMany([{ contactId: 'x1' }, { contactId: 'x2' }]);
    await db.collection('view_live').insertOne({ contactId: 'old' });
    await db.renameCollection('view_v2', 'view_live', { dropTarget: true });
    const live = await db
      .collection('view_live')
      .find({}, { projection: { _id: 0 } })
      .sort({ contactId: 1 })
      .toArray();
    expect(live).toEqual([{ contactId: 'x1' }, { contactId: 'x2' }]);
    const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    expect(names).toContain('view_live');
    expect(names).not.toContain('view_v2');
  });
});
