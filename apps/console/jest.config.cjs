// The console's unit specs are its server's (server/*.spec.ts); its pages are tested in a browser (tests/e2e).
module.exports = {
  ...require('../../jest.preset.cjs').unit(__dirname),
  testMatch: ['<rootDir>/server/**/*.spec.ts'],
};
