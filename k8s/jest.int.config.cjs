// The images' bundles, assembled and started against the real local (or containerised) infrastructure.
module.exports = require('../jest.preset.cjs').integration(__dirname);
