import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * The process logger: JSON lines, with every secret scrubbed from the finished line. Libraries put
 * tokens where no redact path can reach them (grammY's request URLs end up inside nested error
 * messages and stacks), so the line itself is cleaned before it is written.
 */
export function createLogger(options: { level: string; secrets: Array<string | null>; pretty?: boolean }, destination?: DestinationStream): Logger {
  const secrets = options.secrets.filter((s): s is string => typeof s === 'string' && s.length >= 8);
  const scrub = (line: string) => secrets.reduce((text, secret) => text.split(secret).join('[redacted]'), line);
  return pino(
    {
      level: options.level,
      hooks: { streamWrite: scrub },
      ...(options.pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:standard', ignore: 'pid,hostname' } } } : {}),
    },
    ...(destination && !options.pretty ? [destination] : []),
  );
}
