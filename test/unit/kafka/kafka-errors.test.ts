import {
  AuthenticationError,
  MultipleErrors,
  NetworkError,
  ProtocolError,
  ResponseError,
} from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { plaintextConnection } from '../../../src/kafka/client-properties.ts';
import { hasApiError, kafkaError } from '../../../src/kafka/kafka-errors.ts';

// The client's own error classes, as it throws them (wrapped in MultipleErrors after its retries).
describe('kafkaError', () => {
  it('maps connection trouble and retriable protocol errors to KAFKA_UNAVAILABLE (retriable)', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    for (const error of [
      new NetworkError('Connection failed', { cause: refused }),
      new MultipleErrors('Producing failed.', [new ProtocolError('LEADER_NOT_AVAILABLE')]),
      refused,
    ]) {
      const mapped = kafkaError(error, 'producing to t');
      expect(mapped.code).toBe('KAFKA_UNAVAILABLE');
      expect(mapped.retriable).toBe(true);
      expect(mapped.cause).toBe(error);
    }
  });

  it('maps refusals to a non-retriable task failure with the broker reason', () => {
    const error = new ResponseError(0, 9, { '/topics/0/partitions/0': [10, null] }, undefined);
    expect(hasApiError(error, 'MESSAGE_TOO_LARGE')).toBe(true);
    const mapped = kafkaError(error, 'producing to t');
    expect(mapped.retriable).toBe(false);
    expect(mapped.message).toContain('MESSAGE_TOO_LARGE');
    expect(mapped.message).toContain('producing to t');
  });

  it('fails at once on a refused login or an untrusted certificate, naming where and as whom', () => {
    const connection = {
      ...plaintextConnection(['b:9093']),
      securityProtocol: 'SASL_SSL' as const,
      sasl: { mechanism: 'SCRAM-SHA-512' as const, username: 'app', password: 'secret' },
    };
    const login = kafkaError(
      new AuthenticationError('SASL authentication failed.'),
      'connecting',
      connection,
    );
    expect(login.code).toBe('KAFKA_AUTHENTICATION_FAILED');
    expect(login.retriable).toBe(false);
    expect(login.message).toContain('b:9093 (SASL_SSL, SCRAM-SHA-512, user app)');
    expect(login.message).not.toContain('secret');
    // A mechanism the listener does not enable: the client's handshake failure, as it throws it.
    const mechanism = kafkaError(
      new AuthenticationError('Cannot find a suitable SASL mechanism.', {
        cause: new ProtocolError('UNSUPPORTED_SASL_MECHANISM'),
      }),
      'connecting',
      connection,
    );
    expect(mechanism.code).toBe('KAFKA_AUTHENTICATION_FAILED');
    expect(mechanism.retriable).toBe(false);
    expect(mechanism.message).toMatch(
      /suitable SASL mechanism.*b:9093 \(SASL_SSL, SCRAM-SHA-512, user app\)|b:9093 \(SASL_SSL, SCRAM-SHA-512, user app\).*suitable SASL mechanism/s,
    );
    const untrusted = Object.assign(new Error('self-signed certificate in certificate chain'), {
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
    });
    const tls = kafkaError(
      new NetworkError('Connection failed', { cause: untrusted }),
      'connecting',
      connection,
    );
    expect(tls.code).toBe('KAFKA_TLS_FAILED');
    expect(tls.retriable).toBe(false);
  });
});
