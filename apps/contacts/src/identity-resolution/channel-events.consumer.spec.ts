import type { EventEnvelope } from '@journey/contracts';
import { interactionOf, SURVEY_SENT } from './channel-events.consumer';

const sent = (author: { kind: 'agent' | 'automation'; id: string }, text: string) =>
  ({
    type: 'channels.message-sent.v1',
    time: '2026-11-26T10:00:00.000Z',
    data: {
      channel: 'web-chat',
      channelId: 'website',
      conversationId: '0b8f6f2e-2f0c-4a8e-9a51-6f1f7c0f9a10',
      messageId: '5d7f1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b',
      author,
      text,
      attachments: [],
      passive: false,
      sentAt: '2026-11-26T10:00:00.000Z',
    },
  }) as unknown as EventEnvelope;

describe("a sent message in the customer's timeline", () => {
  it("is the survey's fact, not its link: the link is the customer's one-time rating credential", () => {
    const survey = sent(
      { kind: 'automation', id: 'csat' },
      'Rate us: https://tickets.example.com/v1/csat/secret-1',
    );
    expect(interactionOf(survey)).toMatchObject({ kind: 'message-sent', summary: SURVEY_SENT });
  });

  it("is an excerpt of any other message's text", () => {
    expect(interactionOf(sent({ kind: 'agent', id: 'agent-7' }, 'A new one ships today.'))).toMatchObject({
      summary: 'A new one ships today.',
    });
    expect(
      interactionOf(sent({ kind: 'automation', id: 'business-hours' }, 'We are closed until 9:00.')),
    ).toMatchObject({ summary: 'We are closed until 9:00.' });
  });
});
