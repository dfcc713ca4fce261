import packageJson from '../../package.json' with { type: 'json' };

/**
 * Onramp's version (package.json): what the plugin listing reports for the built-in connectors and
 * converters, and what every change event carries in source.version.
 */
export const ONRAMP_VERSION: string = packageJson.version;
