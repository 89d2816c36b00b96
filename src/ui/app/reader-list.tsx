/**
 * The readers the page knows, each with its diagnostics and transport, whether the platform's PC/SC
 * stack is reached, and the last reader error. Loaded with the first reader, error or Web Smart Card
 * API: the first screen of a plain page has none of them.
 */
import { Diagnostics } from '../diagnostics';
import { ErrorNote, ReaderCard, Transports } from '../readers';
import type { useReaders } from '../readers/use-readers';

export interface ReaderListProps {
  readonly readers: ReturnType<typeof useReaders>;
  readonly userAgent: string;
  readonly copyText: (text: string) => Promise<void>;
}

export function ReaderList({ readers, userAgent, copyText }: ReaderListProps) {
  return (
    <>
      <Transports pcsc={readers.pcsc} />
      {readers.error !== null && <ErrorNote error={readers.error} />}
      {readers.entries.length > 0 && (
        <ul class="readers">
          {readers.entries.map((entry) => (
            <ReaderCard
              key={entry.id}
              entry={entry}
              onOpen={() => void readers.open(entry)}
              onClose={() => void readers.close(entry)}
              onPowerOn={() => void readers.powerOn(entry)}
            >
              <Diagnostics entry={entry} userAgent={userAgent} copy={copyText} />
            </ReaderCard>
          ))}
        </ul>
      )}
    </>
  );
}
