import { ActionIcon, Code, CopyButton, Group, Tooltip } from '@mantine/core';
import { groupSecret } from '../../lib/format';
import './common.css';

/** The secret for manual entry, grouped, with a copy button (copies it without spaces). */
export function OtpSecret({ secret }: { secret: string }) {
  const compact = secret.replace(/\s+/g, '');
  return (
    <Group gap="xs" wrap="nowrap" align="center">
      <Code block className="otp-secret" data-testid="otp-secret" aria-label="Secret key for manual entry">
        {groupSecret(compact)}
      </Code>
      <CopyButton value={compact} timeout={1500}>
        {({ copied, copy }) => (
          <Tooltip label={copied ? 'Copied' : 'Copy the key'} withArrow>
            <ActionIcon variant="light" onClick={copy} aria-label="Copy the secret key" size="lg">
              <svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={1.8} aria-hidden="true">
                {copied ? (
                  <path d="m5 12 5 5 9-10" />
                ) : (
                  <>
                    <rect x="8" y="8" width="12" height="12" rx="2" />
                    <path d="M16 8V5.5A1.5 1.5 0 0 0 14.5 4h-9A1.5 1.5 0 0 0 4 5.5v9A1.5 1.5 0 0 0 5.5 16H8" />
                  </>
                )}
              </svg>
            </ActionIcon>
          </Tooltip>
        )}
      </CopyButton>
    </Group>
  );
}
