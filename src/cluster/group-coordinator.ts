// What group membership needs of Kafka's group coordinator: the classic group protocol's JoinGroup,
// SyncGroup, Heartbeat and LeaveGroup with a custom protocol type ("connect") and opaque metadata and
// assignments. Implemented in src/kafka (KafkaGroupCoordinator) with the client library's raw APIs;
// kept in our own types so the membership logic is testable without Kafka.

export interface JoinRequest {
  groupId: string;
  /** '' on the first join; the coordinator then answers MEMBER_ID_REQUIRED with the id to use. */
  memberId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  /** In order of preference. */
  protocols: ReadonlyArray<{ name: string; metadata: Buffer }>;
  /** Why this member (re)joins, shown in the broker's log (KIP-800). */
  reason?: string;
}

export interface JoinResponse {
  generation: number;
  memberId: string;
  leaderId: string;
  /** The protocol the coordinator chose (one every member offered). */
  protocol: string;
  /** Every member's metadata for the chosen protocol; only the leader gets them. */
  members: Array<{ memberId: string; metadata: Buffer }>;
}

export interface SyncRequest {
  groupId: string;
  generation: number;
  memberId: string;
  protocolType: string;
  protocol: string;
  /** The leader sends every member's assignment; followers send none. */
  assignments: ReadonlyArray<{ memberId: string; assignment: Buffer }>;
}

/** The coordinator errors membership reacts to; anything else is `OTHER`. */
export type GroupErrorCode =
  | 'MEMBER_ID_REQUIRED'
  | 'REBALANCE_IN_PROGRESS'
  | 'UNKNOWN_MEMBER_ID'
  | 'ILLEGAL_GENERATION'
  | 'FENCED_INSTANCE_ID'
  | 'NOT_COORDINATOR'
  | 'COORDINATOR_NOT_AVAILABLE'
  | 'COORDINATOR_LOAD_IN_PROGRESS'
  | 'INCONSISTENT_GROUP_PROTOCOL'
  | 'GROUP_MAX_SIZE_REACHED'
  | 'UNAVAILABLE'
  | 'OTHER';

export class GroupError extends Error {
  readonly code: GroupErrorCode;
  /** With MEMBER_ID_REQUIRED: the member id to join with. */
  readonly memberId: string | undefined;

  constructor(code: GroupErrorCode, message: string, options: { memberId?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'GroupError';
    this.code = code;
    this.memberId = options.memberId;
  }
}

export interface GroupCoordinator {
  /** Rejects with a GroupError. May take up to the rebalance timeout (every member must rejoin). */
  join(request: JoinRequest): Promise<JoinResponse>;
  /** This member's assignment; rejects with a GroupError. */
  sync(request: SyncRequest): Promise<Buffer>;
  heartbeat(request: { groupId: string; generation: number; memberId: string }): Promise<void>;
  /** Leaves at once (no wait for the session timeout); never rejects. */
  leave(request: { groupId: string; memberId: string; reason?: string }): Promise<void>;
  close(): Promise<void>;
}
