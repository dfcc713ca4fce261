// The plugin contract: the only part of src/ that connectors import.
export * from '../format/index.ts';
export * from './captured-tables.ts';
export * from './config-def.ts';
export * from './connector.ts';
export * from './errors.ts';
export * from './metric-catalog.ts';
export * from './record.ts';
export * from './snapshots.ts';
export * from './task-context.ts';
export * from './topic-reader.ts';
export * from './version.ts';
