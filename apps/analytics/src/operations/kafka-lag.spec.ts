import { deadLetterCounts, groupLags, serviceOfGroup } from './kafka-lag';

describe('lag and dead letters from Kafka offsets', () => {
  const ends = new Map([
    [
      'journey.tickets.v1',
      [
        { partition: 0, low: 0, high: 120 },
        { partition: 1, low: 40, high: 90 },
      ],
    ],
    ['journey.channels.v1', [{ partition: 0, low: 0, high: 10 }]],
    ['journey.dlq.journey-analytics-ticket-records', [{ partition: 0, low: 2, high: 5 }]],
    ['journey.dlq.journey-tickets-intake', [{ partition: 0, low: 0, high: 0 }]],
  ]);

  it('sums each group’s lag over the partitions it committed on, from the log start when retention passed it', () => {
    const committed = new Map([
      [
        'journey-analytics-ticket-records',
        [
          { topic: 'journey.tickets.v1', partition: 0, offset: 100 }, // 20 behind
          { topic: 'journey.tickets.v1', partition: 1, offset: 10 }, // retention deleted to 40: 50 behind
        ],
      ],
      [
        'journey-contacts-resolution',
        [
          { topic: 'journey.channels.v1', partition: 0, offset: 10 }, // caught up
          { topic: 'journey.tickets.v1', partition: 0, offset: -1 }, // never committed: not counted
        ],
      ],
      ['someone-else', [{ topic: 'gone.topic', partition: 0, offset: 3 }]],
    ]);
    expect(groupLags(committed, ends)).toEqual([
      {
        service: 'analytics',
        group: 'journey-analytics-ticket-records',
        topic: 'journey.tickets.v1',
        lag: 70,
      },
      { service: 'contacts', group: 'journey-contacts-resolution', topic: 'journey.channels.v1', lag: 0 },
    ]);
  });

  it('counts, for a group with members, only the topics they are assigned now', () => {
    const committed = new Map([
      [
        'journey-analytics-report-contacts',
        [
          { topic: 'journey.channels.v1', partition: 0, offset: 4 }, // left from an older subscription
          { topic: 'journey.tickets.v1', partition: 0, offset: 119 },
        ],
      ],
    ]);
    const assigned = new Map([['journey-analytics-report-contacts', new Set(['journey.tickets.v1'])]]);
    expect(groupLags(committed, ends, assigned)).toEqual([
      {
        service: 'analytics',
        group: 'journey-analytics-report-contacts',
        topic: 'journey.tickets.v1',
        lag: 1,
      },
    ]);
  });

  it('counts the dead letters each of the groups’ topic holds, and no other DLQ topic', () => {
    const running = [
      'journey-tickets-intake',
      'journey-analytics-ticket-records',
      'journey-knowledge-no-dlq-yet',
    ];
    expect(deadLetterCounts(ends, running)).toEqual([
      { service: 'analytics', group: 'journey-analytics-ticket-records', messages: 3 },
      { service: 'tickets', group: 'journey-tickets-intake', messages: 0 },
    ]);
  });

  it('names the service of a group by its prefix, and other for groups not of the platform', () => {
    expect(
      ['journey-tickets', 'journey-knowledge-auto-answer', 'journey-billing-x', 'cli-1'].map(serviceOfGroup),
    ).toEqual(['tickets', 'knowledge', 'other', 'other']);
  });
});
