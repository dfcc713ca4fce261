import { createHash } from 'node:crypto';

// Static group membership (KIP-345) for sink task consumers. Each task joins its group with a
// group.instance.id that stays the same across restarts, so a task restarted after a crash (kill -9,
// OOM kill, a lost machine) takes the place of its dead predecessor at once: the coordinator swaps
// the member id behind the instance id and hands over its partitions without waiting out the dead
// member's session timeout (45 s by default), and usually without a rebalance.
//
// The default is `<connector>-<task>`: unique within the group, also when connectors share one with
// consumer.override.group.id. consumer.override.group.instance.id (Kafka Connect passes it to every
// task of the connector as it is) is task 0's id here, and `<value>-<task>` the other tasks'; the
// same value for every task would make the tasks fence each other.
//
// In cluster mode a task moved to another worker keeps its instance id: when its new consumer joins,
// the coordinator fences the old worker's consumer (FENCED_INSTANCE_ID), which then stops without
// rejoining (see KafkaRecordConsumer) — the zombie cannot take the partitions back.

/** Kafka's limit (JoinGroupRequest.validateGroupInstanceId uses the topic name rules). */
const MAX_LENGTH = 249;
/** Room a configured id leaves for `-<task>`. */
export const MAX_CONFIGURED_LENGTH = 240;
const LEGAL = /^[a-zA-Z0-9._-]+$/;

/** Why Kafka would refuse `id` as a group.instance.id (undefined when it is valid). */
export function groupInstanceIdProblem(id: string, maxLength = MAX_LENGTH): string | undefined {
  if (id === '') return 'must not be empty';
  if (id === '.' || id === '..') return `must not be '${id}'`;
  if (id.length > maxLength) return `must be at most ${maxLength} characters`;
  if (!LEGAL.test(id)) return "may contain only ASCII letters, digits, '.', '_' and '-'";
  return undefined;
}

/**
 * The group.instance.id of a sink task's consumer: the configured one (task 0) or `<configured>-<task>`,
 * else `<connector>-<task>`. A connector name Kafka would not take as an id (other characters, too
 * long) is reduced to the legal characters and made unique again with a hash of the full name.
 */
export function taskGroupInstanceId(connector: string, taskId: number, configured?: string): string {
  if (configured !== undefined && configured !== '')
    return taskId === 0 ? configured : `${configured}-${taskId}`;
  const plain = `${connector}-${taskId}`;
  if (groupInstanceIdProblem(plain) === undefined) return plain;
  const hash = createHash('sha256').update(connector).digest('hex').slice(0, 12);
  const legal = connector.replace(/[^a-zA-Z0-9._-]/g, '_').slice(0, 200);
  return `${legal}-${hash}-${taskId}`;
}
