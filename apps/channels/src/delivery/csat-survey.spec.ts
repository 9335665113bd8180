import { agentText, SURVEY_LINK_LEFT_OUT, surveyLinkOf, surveyText } from './csat-survey';

describe('the survey link of a message', () => {
  const base = 'http://127.0.0.1:3103/v1/csat';

  it('is the link of the survey the CSAT automation sent', () => {
    const text = surveyText('tok.en-1');
    expect(surveyLinkOf({ from: 'automation', authorId: 'csat', text })).toBe(`${base}/tok.en-1`);
  });

  it('is nothing for another author, or for a link outside the survey base', () => {
    const text = surveyText('t1');
    expect(surveyLinkOf({ from: 'agent', authorId: 'csat', text })).toBeUndefined();
    expect(surveyLinkOf({ from: 'automation', authorId: 'business-hours', text })).toBeUndefined();
    // An auto-reply rule named "csat" cannot point the rating prompt somewhere else.
    for (const link of ['https://evil.example/x', `${base}.evil.example/x`, `${base}/a/b`, `${base}/`])
      expect(
        surveyLinkOf({ from: 'automation', authorId: 'csat', text: `Rate us: ${link}` }),
      ).toBeUndefined();
  });
});

describe('what agents see of a message', () => {
  it("is the survey's text without its link (the customer's one-time credential)", () => {
    const text = surveyText('secret-token-1');
    const seen = agentText({ from: 'automation', authorId: 'csat', text });
    expect(seen).not.toContain('secret-token-1');
    expect(seen).toBe(`How did we do? Rate this conversation from 1 to 5: ${SURVEY_LINK_LEFT_OUT}`);
  });

  it('is without any link in the survey, whatever base it was sent under', () => {
    const text = 'Rate us: https://old-tickets.example.com/v1/csat/secret-2';
    expect(agentText({ from: 'automation', authorId: 'csat', text })).toBe(
      `Rate us: ${SURVEY_LINK_LEFT_OUT}`,
    );
  });

  it("is any other message's text as written, but a survey link it quotes", () => {
    const text = 'See https://shop.example.com/returns';
    expect(agentText({ from: 'agent', authorId: 'csat', text })).toBe(text);
    expect(agentText({ from: 'automation', authorId: 'business-hours', text })).toBe(text);
    expect(agentText({ from: 'customer' })).toBeUndefined();
    // A customer's email reply quoting the survey.
    const quoted = `Thanks!\n> How did we do? ${surveyText('secret-3')}`;
    expect(agentText({ from: 'customer', text: quoted })).toBe(
      `Thanks!\n> How did we do? How did we do? Rate this conversation from 1 to 5: ${SURVEY_LINK_LEFT_OUT}`,
    );
  });
});
