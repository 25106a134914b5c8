import type { InputHTMLAttributes, Ref } from "preact";
import "./PinField.css";

/** What the sign-in and operator forms' fields share. */
type Common = {
  name: string;
  label: string;
  value: string;
  onInput: (value: string) => void;
  bad?: boolean;
  inputRef?: Ref<HTMLInputElement>;
};

/** The label, flagged when the field is at fault, around an input of the kind `input` says. */
function Labelled({ name, label, value, bad = false, inputRef, input }: Omit<Common, "onInput"> & { input: InputHTMLAttributes }) {
  return (
    <label class={bad ? "bad" : ""}>
      <span>{label}</span>
      <input name={name} value={value} ref={inputRef} {...input} />
    </label>
  );
}

type Props = Common & {
  /** "new-password" for a PIN being set: no browser offers a saved one there. */
  autoComplete?: "current-password" | "new-password" | "off";
};

/** A labelled PIN input: hidden as typed, the number pad on touch screens, digits only. */
export function PinField({ onInput, autoComplete = "off", ...field }: Props) {
  const input: InputHTMLAttributes = {
    type: "password",
    inputMode: "numeric",
    pattern: "[0-9]*",
    maxLength: 12,
    autoComplete,
    // Digits only: a letter typed by mistake would only come back as 格式错误.
    onInput: (e) => {
      const digits = e.currentTarget.value.replace(/\D/g, "");
      if (digits !== e.currentTarget.value) e.currentTarget.value = digits;
      onInput(digits);
    },
  };
  return <Labelled {...field} input={input} />;
}

type TextProps = Common & {
  onEnter?: (e: KeyboardEvent) => void;
};

/** A labelled text input for the sign-in and operator forms. */
export function TextField({ onInput, onEnter, ...field }: TextProps) {
  const input: InputHTMLAttributes = {
    autoComplete: "off",
    spellcheck: false,
    onInput: (e) => onInput(e.currentTarget.value),
    onKeyDown: onEnter && ((e) => e.key === "Enter" && onEnter(e)),
  };
  return <Labelled {...field} input={input} />;
}
