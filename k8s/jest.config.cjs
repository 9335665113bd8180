// The manifests' tests: kustomize builds and kubeconform runs (installed by tools/k8s/ensure-validators.sh).
module.exports = { ...require('../jest.preset.cjs').unit(__dirname), testTimeout: 60_000 };
