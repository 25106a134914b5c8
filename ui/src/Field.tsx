import type { Ref } from "preact";
import { fen } from "./money";

export type FieldProps = {
  /** The input's name: the wire field, prefixed where two forms share a window. */
  name: string;
  label: string;
  value: string;
  onInput: (value: string) => void;
  /** Named by the backend's error. */
  bad?: boolean;
  /** An amount: flagged while typing as soon as it is not one. */
  money?: boolean;
  /** Grid span: "wide" (two columns) or "full". */
  span?: "wide" | "full";
  /** What to type, shown while empty (amounts: "0.00"). */
  placeholder?: string;
  inputRef?: Ref<HTMLInputElement>;
};

/** How a form's field differs from a plain text input. */
export type FieldLook = Pick<FieldProps, "money" | "span" | "placeholder" | "inputRef">;

/** A labelled input in a form grid, highlighted when it is at fault. */
export function Field({ name, label, value, onInput, bad = false, money = false, span, placeholder, inputRef }: FieldProps) {
  const invalid = bad || (money && value.trim() !== "" && fen(value) === null);
  const cls = [span, invalid && "bad"].filter(Boolean).join(" ");
  return (
    <label class={cls}>
      <span>{label}</span>
      <input
        name={name}
        inputMode={money ? "decimal" : undefined}
        placeholder={placeholder ?? (money ? "0.00" : undefined)}
        value={value}
        ref={inputRef}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
    </label>
  );
}
