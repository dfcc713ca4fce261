import { ONRAMP_VERSION } from '../../src/plugin/index.ts';

/** Version of this connector (Onramp's, from package.json): the plugin listing and every event's source.version. */
export const CONNECTOR_VERSION = ONRAMP_VERSION;
