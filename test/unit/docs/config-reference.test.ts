import { describe, expect, it } from 'vitest';
import { configReference, staleDocs } from '../../../scripts/docs.ts';

describe('configuration reference', () => {
  it('documents the host settings and every connector setting', () => {
    const reference = configReference();
    expect(reference).toContain('| `rest.port` | `ONRAMP_REST_PORT` | `8083` |');
    expect(reference).toContain('| `errors.tolerance` | STRING |  | `none` |');
    expect(reference).toContain('`errors.deadletterqueue.topic.name`');
  });

  it('is up to date in README.md and the connector READMEs (run `npm run docs` to regenerate)', () => {
    expect(staleDocs()).toEqual([]);
  });
});
