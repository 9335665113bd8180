#!/usr/bin/env node
// Writes the JSON schemas kubeconform validates custom resources with, from the CustomResourceDefinitions
// themselves (each served version's openAPIV3Schema), as kubeconform's openapi2jsonschema.py does:
//   <out>/<group>/<kind>_<version>.json   (kind lower-cased), read with
//   -schema-location '<out>/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json'
// Strict like the Kubernetes schemas it sits beside: an object that lists its properties refuses others
// (a misspelt field fails), unless the CRD keeps unknown fields (x-kubernetes-preserve-unknown-fields).
//
// Usage: node tools/k8s/crd-json-schemas.mjs <out-dir> <crd.yaml>...
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** One schema node of an openAPIV3Schema, as JSON Schema (draft 4 keywords, which kubeconform reads). */
function toJsonSchema(node) {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties' || key === 'patternProperties' || key === 'definitions')
      out[key] = Object.fromEntries(Object.entries(value).map(([name, s]) => [name, toJsonSchema(s)]));
    else if (key === 'items') out[key] = Array.isArray(value) ? value.map(toJsonSchema) : toJsonSchema(value);
    else if (key === 'additionalProperties' || key === 'not')
      out[key] = typeof value === 'object' ? toJsonSchema(value) : value;
    else if (key === 'allOf' || key === 'anyOf' || key === 'oneOf') out[key] = value.map(toJsonSchema);
    else out[key] = value;
  }
  // Kubernetes' own extensions, which a JSON Schema validator does not know.
  if (out['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    out.type = ['integer', 'string'];
  }
  if (out.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  if (
    out.properties &&
    out.additionalProperties === undefined &&
    out['x-kubernetes-preserve-unknown-fields'] !== true
  )
    out.additionalProperties = false;
  return out;
}

const [outDir, ...files] = process.argv.slice(2);
if (!outDir || files.length === 0) {
  process.stderr.write('usage: crd-json-schemas.mjs <out-dir> <crd.yaml>...\n');
  process.exit(2);
}
let written = 0;
for (const file of files) {
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    const crd = doc.toJSON();
    if (crd?.kind !== 'CustomResourceDefinition') continue;
    const { group, names, versions } = crd.spec;
    for (const version of versions) {
      const schema = version.schema?.openAPIV3Schema;
      if (!version.served || !schema) continue;
      const dir = join(outDir, group);
      mkdirSync(dir, { recursive: true });
      const path = join(dir, `${names.kind.toLowerCase()}_${version.name}.json`);
      writeFileSync(path, `${JSON.stringify(toJsonSchema(schema), null, 1)}\n`);
      written++;
    }
  }
}
if (written === 0) {
  process.stderr.write(`crd-json-schemas: no served CRD version with a schema in ${files.join(', ')}\n`);
  process.exit(1);
}
process.stdout.write(`crd-json-schemas: ${written} schemas written to ${outDir}\n`);
