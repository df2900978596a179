import { icon } from '../common/icons';

/** Line icons for the sheet screens, drawn in the common icon frame (plain SVG: no style attributes, so the CSP holds). */

export const IconPrinter = icon(
  <>
    <path d="M7 9V3h10v6" />
    <rect x="3" y="9" width="18" height="8" rx="2" />
    <path d="M7 14h10v7H7z" />
  </>,
);
export const IconDownload = icon(
  <>
    <path d="M12 3v12" />
    <path d="m7 10 5 5 5-5" />
    <path d="M4 19h16" />
  </>,
);
