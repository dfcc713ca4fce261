import { describe, expect, it } from 'vitest';
import { mysqlTypeName, sourceColumnOf } from '../../../../connectors/mysql-source/source-column.ts';

// A MySQL/MariaDB column as Debezium's Column describes it after reading SHOW CREATE TABLE, which
// information_schema's COLUMN_TYPE writes the same way: what the column mappers and the schema
// change events see.

const column = (dataType: string, columnType = dataType) => ({ name: 'c', dataType, columnType });

describe('mysql source columns', () => {
  it.each([
    // Debezium's BinlogSourceTypeInSchemaIT expectations, as SHOW CREATE TABLE shows the columns.
    [column('decimal', 'decimal(5,2)'), { typeName: 'DECIMAL', length: 5, scale: 2, character: false }],
    [column('varchar', 'varchar(128)'), { typeName: 'VARCHAR', length: 128, character: true }],
    [column('float', 'float(8,4)'), { typeName: 'FLOAT', length: 8, scale: 4, character: false }],
    [column('mediumint', 'mediumint(9)'), { typeName: 'MEDIUMINT', length: 9, character: false }],
    // Suffixes and special lengths.
    [
      column('int', 'int(10) unsigned zerofill'),
      { typeName: 'INT UNSIGNED ZEROFILL', length: 10, character: false },
    ],
    [column('bigint', 'bigint unsigned'), { typeName: 'BIGINT UNSIGNED', character: false }],
    [column('enum', "enum('a','b(1)')"), { typeName: 'ENUM', length: 1, character: true }],
    [column('set', "set('x','y','z')"), { typeName: 'SET', length: 5, character: true }],
    [column('text'), { typeName: 'TEXT', character: true }],
    [column('longtext'), { typeName: 'LONGTEXT', character: true }],
    [column('json'), { typeName: 'JSON', character: false }],
    [column('datetime', 'datetime(6)'), { typeName: 'DATETIME', length: 6, character: false }],
    [column('point'), { typeName: 'POINT', character: false }],
  ])('%j is %j', (type, expected) => {
    expect(sourceColumnOf(type, false)).toEqual({ name: 'c', ...expected });
  });

  it('keeps the comment only when comments are read', () => {
    const commented = { ...column('char', 'char(2)'), comment: 'country' };
    expect(sourceColumnOf(commented, true).comment).toBe('country');
    expect(sourceColumnOf(commented, false).comment).toBeUndefined();
    expect(mysqlTypeName(column('double', 'double unsigned'))).toBe('DOUBLE UNSIGNED');
  });
});
