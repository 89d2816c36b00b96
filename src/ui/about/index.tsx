/**
 * The page "Ce face aplicația" (What the app does): what the app does on the card, what it cannot
 * do without the national system, what the official software also does; every statement with its
 * sources, listed at the end. Loaded when asked for (the URL fragment ABOUT_HASH).
 */
import { useContext, useEffect, useRef } from 'preact/hooks';
import { LanguageContext } from '../i18n';
import { ABOUT_TEXT, SECTIONS, SOURCES_OF, SOURCE_TAGS, SOURCE_URLS, type SourceId, type StatementId } from './text';

/** One statement and the tags of its sources. */
function Said({ id }: { readonly id: StatementId }) {
  const language = useContext(LanguageContext);
  const text = ABOUT_TEXT[language];
  return (
    <>
      <p>{text.statements[id]}</p>
      <p class="sources">
        {text.sourcesLabel}: {SOURCES_OF[id].map((source) => SOURCE_TAGS[source]).join('; ')}
      </p>
    </>
  );
}

export function AboutPage({ onBack }: { readonly onBack: () => void }) {
  const language = useContext(LanguageContext);
  const text = ABOUT_TEXT[language];
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <article class="about window" aria-labelledby="about-heading" data-testid="about">
      <h2 id="about-heading" tabIndex={-1} ref={heading}>
        {text.title}
      </h2>
      <Said id="intro" />
      {SECTIONS.map((section) => (
        <section key={section.id} aria-labelledby={`about-${section.id}`}>
          <h3 id={`about-${section.id}`}>{text.headings[section.id]}</h3>
          <ul class="statements">
            {section.statements.map((id) => (
              <li key={id}>
                <Said id={id} />
              </li>
            ))}
          </ul>
        </section>
      ))}
      <section aria-labelledby="about-sources">
        <h3 id="about-sources">{text.sourcesHeading}</h3>
        <ul class="legend">
          {text.legend.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
        <ul class="source-list" data-testid="about-sources">
          {(Object.keys(SOURCE_TAGS) as SourceId[]).map((id) => {
            const url = SOURCE_URLS[id];
            return (
              <li key={id}>
                <strong>{SOURCE_TAGS[id]}</strong>: {text.sources[id]}
                {url && (
                  <>
                    {' '}
                    <a href={url} target="_blank" rel="noopener noreferrer" class="url">
                      {url}
                    </a>
                  </>
                )}
              </li>
            );
          })}
        </ul>
      </section>
      <button type="button" class="secondary" onClick={onBack}>
        {text.back}
      </button>
    </article>
  );
}
