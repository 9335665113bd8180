import { MongoClient } from 'mongodb';
import { ensureIndexes } from '@journey/projections';
import { isolatedMongoUrl, testInfrastructure } from '@journey/testing';
import { serviceReadModels } from './service-read-models';

const infra = testInfrastructure();
const mongoUrl = isolatedMongoUrl(infra, 'read_model_indexes');
let client: MongoClient;

beforeAll(async () => {
  client = await MongoClient.connect(mongoUrl);
});

afterAll(async () => {
  await client?.db().dropDatabase();
  await client?.close();
});

// Each service declares the secondary indexes its readers query by (the live path creates them when it
// starts, a rebuild before its collection serves): every declaration must be one the server accepts,
// or the service would not start.
describe('the read models of every built service', () => {
  const models = serviceReadModels();

  it('are found in the builds, each naming its indexes distinctly', () => {
    expect(models.map((m) => m.projection.name)).toEqual(
      expect.arrayContaining([
        'unified-view',
        'customer-timeline',
        'ticket-board',
        'agent-board',
        'solved-cases',
        'content-gaps',
      ]),
    );
    for (const model of models) {
      const names = (model.projection.indexes ?? []).map((i) => i.name);
      expect(new Set(names).size).toBe(names.length);
    }
  });

  it('keeps the names indexes already have where the service created them before it declared them', async () => {
    const solved = models.find((m) => m.projection.name === 'solved-cases');
    const collection = client.db().collection('solved-cases__created-before');
    // What SimilarCases created itself, under MongoDB's default names, before the projection declared them.
    await collection.createIndex({ subjectTerms: 1 });
    await collection.createIndex({ replyTerms: 1 });
    await collection.createIndex({ solved: 1, solvedAt: -1 });
    await ensureIndexes(collection, solved!.projection);
    expect((await collection.indexes()).map((i) => i.name).sort()).toEqual(
      ['_id_', 'replyTerms_1', 'solved_1_solvedAt_-1', 'subjectTerms_1', 'writer_guard'].sort(),
    );
  });

  it.each(serviceReadModels().map((m) => [m.projection.name, m] as const))(
    '%s: its declared indexes are created on the MongoDB-wire server, and again without error',
    async (name, model) => {
      const collection = client.db().collection(`${name}__indexes`);
      await ensureIndexes(collection, model.projection);
      await ensureIndexes(collection, model.projection);
      const created = (await collection.indexes()).map((i) => i.name);
      expect(created).toEqual(expect.arrayContaining((model.projection.indexes ?? []).map((i) => i.name)));
    },
  );
});
