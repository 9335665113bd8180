import { surveyLinkOf, surveyText } from './csat-survey';

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
