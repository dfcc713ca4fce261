import {
  Admin,
  Connection,
  FindCoordinatorKeyTypes,
  heartbeatV4,
  joinGroupV9,
  leaveGroupV5,
  syncGroupV5,
} from '@platformatic/kafka';
import {
  type GroupCoordinator,
  GroupError,
  type GroupErrorCode,
  type JoinRequest,
  type JoinResponse,
  type SyncRequest,
} from '../cluster/group-coordinator.ts';
import type { KafkaConnection } from './client-properties.ts';
import { describeConnection } from './kafka-errors.ts';
import { platformaticOptions } from './platformatic-options.ts';

// Kafka's group coordinator for a custom protocol type (Kafka Connect's "connect"), through
// @platformatic/kafka's raw JoinGroup v9, SyncGroup v5, Heartbeat v4 and LeaveGroup v5 (the client's
// Consumer only speaks the consumer protocol). One connection to the group's coordinator, found with
// FindCoordinator and found again after NOT_COORDINATOR or a broken connection. Requests on it are
// answered in order, which suits membership: nothing else is sent while a JoinGroup waits.

const KNOWN: ReadonlySet<string> = new Set<GroupErrorCode>([
  'MEMBER_ID_REQUIRED',
  'REBALANCE_IN_PROGRESS',
  'UNKNOWN_MEMBER_ID',
  'ILLEGAL_GENERATION',
  'FENCED_INSTANCE_ID',
  'NOT_COORDINATOR',
  'COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'INCONSISTENT_GROUP_PROTOCOL',
  'GROUP_MAX_SIZE_REACHED',
]);

interface ClientErrorShape {
  apiId?: string;
  code?: string;
  canRetry?: boolean;
  errors?: unknown[];
  cause?: unknown;
  response?: { memberId?: string };
}

/** The protocol error (or network failure) behind a client error. */
function toGroupError(error: unknown, action: string, where: string): GroupError {
  const pending: unknown[] = [error];
  let memberId: string | undefined;
  let network = false;
  for (let i = 0; i < pending.length && i < 32; i++) {
    const link = pending[i];
    if (typeof link !== 'object' || link === null) continue;
    const shape = link as ClientErrorShape;
    if (shape.response?.memberId) memberId = shape.response.memberId;
    if (shape.apiId && KNOWN.has(shape.apiId))
      return new GroupError(shape.apiId as GroupErrorCode, `${action} on ${where}: ${shape.apiId}`, {
        cause: error,
        ...(memberId !== undefined && { memberId }),
      });
    if (
      shape.code === 'PLT_KFK_NETWORK' ||
      shape.code === 'PLT_KFK_TIMEOUT' ||
      (shape.code !== undefined &&
        /^(ECONN|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN)/.test(shape.code))
    )
      network = true;
    if (Array.isArray(shape.errors)) pending.push(...shape.errors);
    if (shape.cause !== undefined) pending.push(shape.cause);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new GroupError(network ? 'UNAVAILABLE' : 'OTHER', `${action} on ${where}: ${message}`, {
    cause: error,
  });
}

export interface KafkaGroupCoordinatorOptions {
  connection: KafkaConnection;
  groupId: string;
  /** Longest a JoinGroup may wait (the rebalance timeout); requests time out 5 s after it. */
  rebalanceTimeoutMs: number;
}

export class KafkaGroupCoordinator implements GroupCoordinator {
  private readonly options: KafkaGroupCoordinatorOptions;
  private readonly where: string;
  private admin: Admin | undefined;
  private coordinator: Promise<Connection> | undefined;
  private closed = false;

  constructor(options: KafkaGroupCoordinatorOptions) {
    this.options = options;
    this.where = describeConnection(options.connection);
  }

  private async connect(): Promise<Connection> {
    if (this.closed) throw new GroupError('OTHER', 'the group coordinator client is closed');
    this.admin ??= new Admin(platformaticOptions(this.options.connection));
    const [found] = await this.admin.findCoordinator({
      keyType: FindCoordinatorKeyTypes.GROUP,
      keys: [this.options.groupId],
    });
    if (!found || found.nodeId < 0)
      throw new GroupError(
        'COORDINATOR_NOT_AVAILABLE',
        `no coordinator for group ${this.options.groupId} yet`,
      );
    const base = platformaticOptions(this.options.connection);
    const connection = new Connection(base.clientId, {
      connectTimeout: base.connectTimeout ?? 3_000,
      requestTimeout: this.options.rebalanceTimeoutMs + 5_000,
      ...(base.tls && { tls: base.tls }),
      ...(base.sasl && { sasl: base.sasl }),
    });
    connection.on('error', () => undefined);
    await connection.connect(found.host, found.port);
    return connection;
  }

  /** Runs a request on the coordinator's connection; a broken connection or a moved coordinator is found again next time. */
  private async request<T>(action: string, call: (connection: Connection) => Promise<T>): Promise<T> {
    this.coordinator ??= this.connect();
    const pending = this.coordinator;
    let connection: Connection;
    try {
      connection = await pending;
    } catch (error) {
      if (this.coordinator === pending) this.coordinator = undefined;
      throw error instanceof GroupError ? error : toGroupError(error, action, this.where);
    }
    try {
      return await call(connection);
    } catch (error) {
      const groupError = toGroupError(error, action, this.where);
      if (
        ['NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE', 'UNAVAILABLE', 'OTHER'].includes(groupError.code)
      ) {
        if (this.coordinator === pending) this.coordinator = undefined;
        await connection.close().catch(() => undefined);
      }
      throw groupError;
    }
  }

  async join(request: JoinRequest): Promise<JoinResponse> {
    const response = await this.request('joining the group', (connection) =>
      joinGroupV9.api.async(
        connection,
        request.groupId,
        request.sessionTimeoutMs,
        request.rebalanceTimeoutMs,
        request.memberId,
        null,
        request.protocolType,
        request.protocols.map(({ name, metadata }) => ({ name, metadata })),
        request.reason ?? null,
      ),
    );
    return {
      generation: response.generationId,
      memberId: response.memberId,
      leaderId: response.leader,
      protocol: response.protocolName ?? '',
      members: response.members.map(({ memberId, metadata }) => ({ memberId, metadata })),
    };
  }

  async sync(request: SyncRequest): Promise<Buffer> {
    const response = await this.request('syncing the group', (connection) =>
      syncGroupV5.api.async(
        connection,
        request.groupId,
        request.generation,
        request.memberId,
        null,
        request.protocolType,
        request.protocol,
        request.assignments.map(({ memberId, assignment }) => ({ memberId, assignment })),
      ),
    );
    return response.assignment;
  }

  async heartbeat(request: { groupId: string; generation: number; memberId: string }): Promise<void> {
    await this.request('heartbeating', (connection) =>
      heartbeatV4.api.async(connection, request.groupId, request.generation, request.memberId, null),
    );
  }

  async leave(request: { groupId: string; memberId: string; reason?: string }): Promise<void> {
    if (request.memberId === '') return;
    // On a connection of its own: the coordinator's may be waiting on a JoinGroup.
    let connection: Connection | undefined;
    try {
      connection = await this.connect();
      await leaveGroupV5.api.async(connection, request.groupId, [
        { memberId: request.memberId, groupInstanceId: null, reason: request.reason ?? null },
      ]);
    } catch {
      // Not a member any more, or Kafka is gone: the session timeout removes it either way.
    } finally {
      await connection?.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const pending = this.coordinator;
    this.coordinator = undefined;
    await pending?.then((connection) => connection.close()).catch(() => undefined);
    await this.admin?.close().catch(() => undefined);
  }
}
