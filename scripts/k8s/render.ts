// Renders the chart with Helm and validates what comes out against strict Kubernetes schemas.
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { root } from '../lib/services.ts';
import { alias, helm, KINDS, kubernetesSchema } from './tools.ts';

export const chartDir = join(root, 'charts/app');
export const RELEASE = 'app';

/** A rendered Kubernetes object (only the parts the tests read are typed). */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- any kind's spec
  [key: string]: unknown;
}

export interface RenderOptions {
  /** Values files relative to the chart, e.g. ['values-kind.yaml']. */
  values?: string[];
  /** --set-json entries, e.g. ['postgres.enabled=false']. */
  set?: string[];
}

export function helmArgs({ values = [], set = [] }: RenderOptions): string[] {
  return [
    ...values.flatMap((file) => ['-f', join(chartDir, file)]),
    ...set.flatMap((entry) => ['--set-json', entry]),
  ];
}

/** `helm template` of the chart (tests included), parsed. Throws with Helm's message on failure. */
export function render(options: RenderOptions = {}): K8sObject[] {
  const out = helm(['template', RELEASE, chartDir, '--namespace', 'apps', ...helmArgs(options)]);
  return parseAllDocuments(out)
    .map((doc) => {
      if (doc.errors.length) throw new Error(`rendered YAML does not parse: ${doc.errors[0]!.message}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null);
}

export function kindOf(object: Pick<K8sObject, 'apiVersion' | 'kind'>): string {
  return `${object.apiVersion}/${object.kind}`;
}

export interface Validator {
  /** The schema errors of one object ([] when valid); an unknown kind is an error too. */
  errors(object: unknown): string[];
  generatedMs?: number;
}

/** Validates objects against the strict schema of their kind (additionalProperties false everywhere). */
export async function kubernetesValidator(): Promise<Validator> {
  const { schema, generatedMs } = await kubernetesSchema();
  const ajv = new Ajv({ strict: false, allErrors: true });
  const { $schema: _draft, ...definitions } = schema; // draft-07: ajv's default
  ajv.addSchema({ ...definitions, $id: 'k8s' });
  const kinds = (schema.definitions.Kinds as { properties: Record<string, { $ref: string }> }).properties;
  const compiled = new Map<string, ValidateFunction>();
  return {
    generatedMs,
    errors(object) {
      const { apiVersion, kind } = (object ?? {}) as { apiVersion?: string; kind?: string };
      const key = `${apiVersion}/${kind}`;
      const property = KINDS[key] && kinds[alias(key)];
      if (!property) return [`${key}: no schema for this kind (add it to KINDS in scripts/k8s/tools.ts)`];
      let validate = compiled.get(key);
      if (!validate) {
        validate = ajv.compile({ $ref: `k8s${property.$ref}` });
        compiled.set(key, validate);
      }
      if (validate(object)) return [];
      return [
        ...new Set(
          (validate.errors ?? []).map(
            (e) => `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`,
          ),
        ),
      ];
    },
  };
}
