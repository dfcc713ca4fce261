// The change-event format (Debezium-compatible) every source connector emits.
export * from './envelope.ts';
export * from './heartbeat.ts';
export * from './source-block.ts';
export * from './topic-name.ts';
export * from './transaction-metadata.ts';
