import { describe, expect, it } from 'vitest';
import {
  ASSIGNMENT_CONFIG_MISMATCH,
  type ConnectAssignment,
  decodeAssignment,
  decodeWorkerMetadata,
  encodeAssignment,
  encodeWorkerMetadata,
  joinGroupProtocols,
} from '../../../src/cluster/connect-protocol.ts';
import { capture, sample } from './kafka-connect-fixture.ts';

// The same structures ConnectSamples.java serialized with Kafka Connect 3.9.1's own classes, and what
// a live Connect worker had in the group coordinator.

const full: ConnectAssignment = {
  version: 2,
  error: 0,
  leader: 'leader-1',
  leaderUrl: 'http://leader:8083/',
  configOffset: 42,
  connectors: ['alpha', 'beta'],
  tasks: [
    { connector: 'alpha', task: 0 },
    { connector: 'alpha', task: 1 },
    { connector: 'beta', task: 0 },
    { connector: 'gamma', task: 2 },
  ],
  revokedConnectors: ['delta'],
  revokedTasks: [
    { connector: 'delta', task: 0 },
    { connector: 'epsilon', task: 3 },
  ],
  delay: 300_000,
};

describe('Connect protocol assignments', () => {
  it('encodes as Connect does (sessioned, compatible, eager)', () => {
    expect(encodeAssignment(full)).toEqual(sample('assignment.sessioned.full'));
    expect(encodeAssignment({ ...full, version: 1 })).toEqual(sample('assignment.compatible.full'));
    expect(
      encodeAssignment({
        ...full,
        version: 0,
        tasks: full.tasks.slice(0, 2),
        connectors: ['alpha'],
        revokedConnectors: [],
        revokedTasks: [],
        delay: 0,
      }),
    ).toEqual(sample('assignment.eager'));
    expect(
      encodeAssignment({
        ...full,
        version: 2,
        configOffset: 7,
        connectors: [],
        tasks: [{ connector: 'alpha', task: 0 }],
        revokedConnectors: [],
        revokedTasks: [],
        delay: 0,
      }),
    ).toEqual(sample('assignment.sessioned.assignedOnly'));
    expect(
      encodeAssignment({
        ...full,
        version: 1,
        error: ASSIGNMENT_CONFIG_MISMATCH,
        configOffset: 99,
        connectors: [],
        tasks: [],
        revokedConnectors: [],
        revokedTasks: [],
        delay: 0,
      }),
    ).toEqual(sample('assignment.compatible.configMismatch'));
  });

  it('decodes what Connect encoded, eager assignments included', () => {
    expect(decodeAssignment(sample('assignment.sessioned.full'))).toEqual(full);
    expect(decodeAssignment(sample('assignment.eager'))).toMatchObject({
      version: 0,
      connectors: ['alpha'],
      revokedTasks: [],
      delay: 0,
    });
  });
});

describe('Connect protocol worker metadata', () => {
  const state = { url: 'http://w1:8083/', configOffset: 42, assignment: full };

  it('encodes as Connect does', () => {
    expect(encodeWorkerMetadata('sessioned', state)).toEqual(sample('metadata.sessioned.full'));
    expect(encodeWorkerMetadata('compatible', state)).toEqual(sample('metadata.compatible.full'));
    expect(encodeWorkerMetadata('default', state)).toEqual(sample('metadata.eager'));
    expect(
      encodeWorkerMetadata('sessioned', { url: 'http://w1:8083/', configOffset: -1, assignment: null }),
    ).toEqual(sample('metadata.sessioned.noAssignment'));
  });

  it('decodes what Connect encoded', () => {
    expect(decodeWorkerMetadata(sample('metadata.sessioned.full'))).toEqual({ version: 2, ...state });
    expect(decodeWorkerMetadata(sample('metadata.eager'))).toEqual({
      version: 0,
      ...state,
      assignment: null,
    });
    expect(decodeWorkerMetadata(sample('metadata.sessioned.noAssignment')).assignment).toBeNull();
  });

  it('offers sessioned, compatible and eager, in that order', () => {
    expect(joinGroupProtocols('sessioned', state).map((protocol) => protocol.name)).toEqual([
      'sessioned',
      'compatible',
      'default',
    ]);
    expect(joinGroupProtocols('default', state).map((protocol) => protocol.name)).toEqual(['default']);
  });

  it('reads a live Kafka Connect 3.9.1 worker as the group coordinator holds it', () => {
    expect(capture.group.protocolType).toBe('connect');
    expect(capture.group.protocol).toBe('sessioned');
    const [member] = capture.group.members;
    if (!member) throw new Error('no member captured');
    const metadata = decodeWorkerMetadata(Buffer.from(member.metadata, 'base64'));
    expect(metadata.version).toBe(2);
    expect(metadata.url).toBe(capture.worker.url);
    expect(metadata.assignment?.leader).toBe(member.memberId);
    expect([...(metadata.assignment?.connectors ?? [])].sort()).toEqual([
      'failing-sink',
      'file-source',
      'two-task-sink',
    ]);
    const assignment = decodeAssignment(Buffer.from(member.assignment, 'base64'));
    expect(assignment).toMatchObject({
      version: 2,
      error: 0,
      leader: member.memberId,
      leaderUrl: capture.worker.url,
    });
    // Written back, both come out as the same bytes.
    expect(encodeAssignment(assignment).toString('base64')).toBe(member.assignment);
    expect(encodeWorkerMetadata('sessioned', metadata).toString('base64')).toBe(member.metadata);
  });

  it('refuses truncated data', () => {
    expect(() => decodeAssignment(Buffer.from([0, 2, 0]))).toThrow(/truncated/);
  });
});
