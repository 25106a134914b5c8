import type { ComponentChildren } from "preact";
import "./Table.css";

type Props = {
  id: string;
  /** The header row. */
  head: ComponentChildren;
  /** How many columns the empty row spans. */
  columns: number;
  /** Said in a row of its own while there are no rows; null: nothing said. */
  empty: string | null;
  children: ComponentChildren;
};

/** A records table that scrolls sideways on its own (what is above it stays in view), saying so when it is empty. */
export function ScrollingTable({ id, head, columns, empty, children }: Props) {
  return (
    <div class="table-scroll">
      <table class="table" id={id}>
        <thead>{head}</thead>
        <tbody>
          {children}
          {empty !== null && (
            <tr><td colSpan={columns} class="muted">{empty}</td></tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
