// collection.name.format (alias table.name.format): text with ${topic} and ${source.<field>}
// variables, as Debezium's JDBC sink has them (DefaultCollectionNamingStrategy). Any other ${...}
// would reach the database as part of a table name, or fail every record, so it is refused when
// the connector is configured.

const SOURCE_FIELD = /^source\.\w+$/;

/** Why `format` is not a usable name format, or undefined when it is (the field's validator). */
export function nameFormatProblem(format: string): string | undefined {
  let from = 0;
  for (;;) {
    const start = format.indexOf('${', from);
    if (start < 0) return undefined;
    const end = format.indexOf('}', start + 2);
    if (end < 0) return `"\${" at position ${start} is not closed by "}"`;
    const name = format.slice(start + 2, end);
    if (name !== 'topic' && !SOURCE_FIELD.test(name)) {
      const shown = JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}...` : name);
      return `unknown variable \${${shown.slice(1, -1)}}; use \${topic} or \${source.<field>} (such as \${source.db}, \${source.schema}, \${source.table})`;
    }
    from = end + 1;
  }
}
