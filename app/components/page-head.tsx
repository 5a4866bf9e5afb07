import type { ReactNode } from "react";
import "./page-head.css";

/**
 * A page's title row. `intro` is the line under the heading (a sentence, or the record's status and key facts);
 * `children` are further lines under it; `aside` stands to the right of the heading (a count); `actions` are the
 * page's buttons and forms, which never print.
 */
export function PageHead({
  title,
  intro,
  aside,
  actions,
  children,
}: {
  title: ReactNode;
  intro?: ReactNode;
  aside?: ReactNode;
  actions?: ReactNode;
  children?: ReactNode;
}) {
  return (
    <div className="page-head">
      <div>
        <h1>{title}</h1>
        {intro ? <p className="page-head__intro">{intro}</p> : null}
        {children}
      </div>
      {aside}
      {actions ? <div className="page-head__actions no-print">{actions}</div> : null}
    </div>
  );
}
