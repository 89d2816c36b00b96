/**
 * The readers the page knows, each with its diagnostics, and the last reader error. Loaded with the
 * first reader or error: the first screen has neither.
 */
import { Diagnostics } from '../diagnostics';
import { ErrorNote, ReaderCard } from '../readers';
import type { useReaders } from '../readers/use-readers';

export interface ReaderListProps {
  readonly readers: ReturnType<typeof useReaders>;
  readonly userAgent: string;
  readonly copyText: (text: string) => Promise<void>;
}

export function ReaderList({ readers, userAgent, copyText }: ReaderListProps) {
  return (
    <>
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
