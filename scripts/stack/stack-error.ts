// A failure of the local stack tooling, worded for the person running `npm run stack`. The service's
// own error table (src/plugin/errors.ts) is for the REST API and tasks; this tool never reaches them.
export class StackError extends Error {
  override name = 'StackError';
}
