import { Table, VisuallyHidden, type TableProps } from '@mantine/core';
import type { ReactNode } from 'react';

export interface ScrollTableProps extends Omit<TableProps, 'children'> {
  /** Below this width the table scrolls sideways instead of squeezing its columns. */
  minWidth: number;
  /** The header cells (Table.Th), in one row. */
  head: ReactNode;
  /** Ends the header with a column for the rows' buttons, named for screen readers only. */
  actions?: boolean;
  actionsWidth?: number;
  /** The body rows (Table.Tr). */
  children: ReactNode;
}

/** The console's list table: one header row, the rows, sideways scrolling on narrow windows. */
export function ScrollTable({ minWidth, head, actions = false, actionsWidth, children, ...table }: ScrollTableProps) {
  return (
    <Table.ScrollContainer minWidth={minWidth}>
      <Table {...table}>
        <Table.Thead>
          <Table.Tr>
            {head}
            {actions && (
              <Table.Th w={actionsWidth}>
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            )}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>{children}</Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
