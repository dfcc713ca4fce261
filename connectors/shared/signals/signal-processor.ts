import type { Logger } from '../../../src/plugin/index.ts';
import type { SignalRecord } from './signal-record.ts';
import {
  parseSnapshotRequest,
  parseStopRequest,
  type SnapshotRequest,
  SnapshotRequestError,
  type StopRequest,
} from './snapshot-request.ts';

// Debezium's SignalProcessor and standard actions: a signal from any channel (the signal table,
// the Kafka topic, the REST API) runs its action. As in Debezium, a signal from a channel that is
// wrong (unknown type, bad data) is logged and skipped; through the REST API it is refused instead,
// so the caller learns why.

export const EXECUTE_SNAPSHOT = 'execute-snapshot';
export const STOP_SNAPSHOT = 'stop-snapshot';
export const PAUSE_SNAPSHOT = 'pause-snapshot';
export const RESUME_SNAPSHOT = 'resume-snapshot';
export const LOG = 'log';

/** What the snapshot actions act on (the incremental snapshot engine). */
export interface SnapshotControl {
  /** Queues the tables; throws a SnapshotRequestError when it cannot. */
  executeSnapshot(request: SnapshotRequest, signalId: string): Promise<void>;
  stopSnapshot(request: StopRequest): void;
  pauseSnapshot(): void;
  resumeSnapshot(): void;
  /** The position now, for the log action's "{}". */
  describePosition(): string;
}

export class SignalProcessor {
  private readonly control: SnapshotControl;
  private readonly log: Logger;

  constructor(control: SnapshotControl, log: Logger) {
    this.control = control;
    this.log = log;
  }

  /** Runs the signal's action. `strict` (REST): a signal that cannot run throws SnapshotRequestError. */
  async process(signal: SignalRecord, strict = false): Promise<void> {
    try {
      if (signal.dataError !== undefined) throw new SnapshotRequestError(signal.dataError);
      await this.run(signal);
    } catch (error) {
      if (strict) throw error;
      this.log.warn(
        { signal: signal.id, type: signal.type, channel: signal.channel, error: (error as Error).message },
        'signal skipped',
      );
    }
  }

  private async run(signal: SignalRecord): Promise<void> {
    const context = { signal: signal.id, type: signal.type, channel: signal.channel };
    switch (signal.type) {
      case EXECUTE_SNAPSHOT:
        await this.control.executeSnapshot(parseSnapshotRequest(signal.data), signal.id);
        return;
      case STOP_SNAPSHOT:
        this.control.stopSnapshot(parseStopRequest(signal.data));
        return;
      case PAUSE_SNAPSHOT:
        this.control.pauseSnapshot();
        return;
      case RESUME_SNAPSHOT:
        this.control.resumeSnapshot();
        return;
      case LOG: {
        const message = signal.data.message;
        if (typeof message !== 'string' || message === '')
          throw new SnapshotRequestError('the log signal needs a "message"');
        // Debezium logs the message with the offset in place of "{}" (SLF4J's placeholder).
        this.log.info(
          context,
          message.replace('{}', () => this.control.describePosition()),
        );
        return;
      }
      default:
        throw new SnapshotRequestError(
          `the signal type "${signal.type}" is not recognized (use ${EXECUTE_SNAPSHOT}, ${STOP_SNAPSHOT}, ${PAUSE_SNAPSHOT}, ${RESUME_SNAPSHOT} or ${LOG})`,
        );
    }
  }
}
