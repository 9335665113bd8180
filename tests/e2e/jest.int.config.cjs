module.exports = { ...require('../../jest.preset.cjs').integration(__dirname), testTimeout: 120_000 };
