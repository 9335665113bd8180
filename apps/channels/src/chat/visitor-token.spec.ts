import { issueVisitorToken, verifyVisitorToken } from './visitor-token';

describe('visitor tokens', () => {
  it('give back the visitor of a token signed with the channel secret, and nothing for any other', () => {
    const { visitorId, token } = issueVisitorToken('chat-secret-chat-secret');
    expect(verifyVisitorToken('chat-secret-chat-secret', token)).toBe(visitorId);
    expect(verifyVisitorToken('another-secret-another', token)).toBeUndefined();
    const forged = `${Buffer.from('someone-else').toString('base64url')}.${token.split('.')[1]}`;
    expect(verifyVisitorToken('chat-secret-chat-secret', forged)).toBeUndefined();
    expect(verifyVisitorToken('chat-secret-chat-secret', 'garbage')).toBeUndefined();
    expect(verifyVisitorToken('chat-secret-chat-secret', undefined)).toBeUndefined();
  });

  it('re-issues the same visitor id for a returning visitor', () => {
    const first = issueVisitorToken('chat-secret-chat-secret');
    expect(issueVisitorToken('chat-secret-chat-secret', first.visitorId)).toEqual(first);
  });
});
