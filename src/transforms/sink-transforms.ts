import type { FieldError } from '../plugin/index.ts';
import { errorMessage } from '../plugin/index.ts';
import { EXTRACT_NEW_RECORD_STATE, extractNewRecordState } from './extract-new-record-state.ts';
import { REGEX_ROUTER, regexRouter } from './regex-router.ts';
import type { RecordTransform, TransformSettings } from './transform.ts';

// Builds the transform chain a connector config asks for (Kafka Connect's `transforms=a,b` with
// `transforms.a.type=<class>` and `transforms.a.<setting>=...`). Unknown classes and predicates are
// errors naming the setting, never silently skipped.

const FACTORIES: Record<string, (settings: TransformSettings) => RecordTransform> = {
  [EXTRACT_NEW_RECORD_STATE]: extractNewRecordState,
  ExtractNewRecordState: extractNewRecordState,
  [REGEX_ROUTER]: regexRouter,
  RegexRouter: regexRouter,
};

export const SUPPORTED_TRANSFORMS: readonly string[] = [EXTRACT_NEW_RECORD_STATE, REGEX_ROUTER];

export interface ConfiguredTransforms {
  transforms: RecordTransform[];
  errors: FieldError[];
}

export function configuredTransforms(raw: Readonly<Record<string, string>>): ConfiguredTransforms {
  const transforms: RecordTransform[] = [];
  const errors: FieldError[] = [];
  const aliases = (raw.transforms ?? '')
    .split(',')
    .map((alias) => alias.trim())
    .filter((alias) => alias !== '');
  for (const alias of aliases) {
    const prefix = `transforms.${alias}.`;
    const type = raw[`${prefix}type`]?.trim();
    if (!type) {
      errors.push({
        field: `${prefix}type`,
        message: `Missing required configuration "${prefix}type" which has no default value.`,
      });
      continue;
    }
    const factory = FACTORIES[type];
    if (!factory) {
      errors.push({
        field: `${prefix}type`,
        message: `Invalid value ${type} for configuration ${prefix}type: unsupported transform (supported: ${SUPPORTED_TRANSFORMS.join(', ')})`,
      });
      continue;
    }
    if (raw[`${prefix}predicate`]) {
      errors.push({ field: `${prefix}predicate`, message: 'Predicates are not supported yet' });
      continue;
    }
    const settings: Record<string, string> = {};
    for (const [key, value] of Object.entries(raw))
      if (key.startsWith(prefix) && key !== `${prefix}type`) settings[key.slice(prefix.length)] = value;
    try {
      transforms.push(factory(settings));
    } catch (error) {
      errors.push({ field: `${prefix}type`, message: errorMessage(error) });
    }
  }
  return { transforms, errors };
}
