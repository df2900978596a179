import { TextInput, type TextInputProps } from '@mantine/core';
import './common.css';

/** A one-time-code field: digits keypad on phones, the browser's one-time-code autofill, wide spacing. */
export function CodeInput({ label = '6-digit code', ...props }: Omit<TextInputProps, 'label'> & { label?: string }) {
  return <TextInput label={label} inputMode="numeric" autoComplete="one-time-code" placeholder="123456" maxLength={9} className="code-input" {...props} />;
}
