// Single message transforms (Kafka Connect / Debezium compatible).
export * from './extract-new-record-state.ts';
export * from './regex-router.ts';
export * from './sink-transforms.ts';
export * from './transform.ts';
