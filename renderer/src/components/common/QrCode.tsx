import { Skeleton } from '@mantine/core';
import QRCode from 'qrcode';
import { useEffect, useState } from 'react';
import './common.css';

/**
 * A QR code drawn in the browser (the `qrcode` package) as a PNG data: URL —
 * allowed by the console's CSP (img-src data:), unlike SVG markup with style
 * attributes. The text (an otpauth:// URI) never leaves the page.
 */
export function QrCode({ value, size = 200, label }: { value: string; size?: number; label: string }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    setSrc(null);
    QRCode.toDataURL(value, { errorCorrectionLevel: 'M', margin: 2, width: size * 2 }).then(
      (url) => live && setSrc(url),
      () => live && setSrc(null),
    );
    return () => {
      live = false;
    };
  }, [value, size]);
  if (!src) return <Skeleton width={size + 14} height={size + 14} radius="md" aria-label="Drawing the QR code" />;
  return <img className="qr-frame" src={src} width={size} height={size} alt={label} data-testid="otp-qr" />;
}
