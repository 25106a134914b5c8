import type { Ref } from "preact";

type Props = {
  name: string;
  label: string;
  value: string;
  onInput: (value: string) => void;
  bad?: boolean;
  inputRef?: Ref<HTMLInputElement>;
  /** "new-password" for a PIN being set: no browser offers a saved one there. */
  autoComplete?: "current-password" | "new-password" | "off";
};

/** A labelled PIN input: hidden as typed, the number pad on touch screens, digits only. */
export function PinField({ name, label, value, onInput, bad = false, inputRef, autoComplete = "off" }: Props) {
  return (
    <label class={bad ? "bad" : ""}>
      <span>{label}</span>
      <input
        name={name}
        type="password"
        inputMode="numeric"
        pattern="[0-9]*"
        maxLength={12}
        autoComplete={autoComplete}
        value={value}
        ref={inputRef}
        // Digits only: a letter typed by mistake would only come back as 格式错误.
        onInput={(e) => {
          const digits = e.currentTarget.value.replace(/\D/g, "");
          if (digits !== e.currentTarget.value) e.currentTarget.value = digits;
          onInput(digits);
        }}
      />
    </label>
  );
}

type TextProps = {
  name: string;
  label: string;
  value: string;
  onInput: (value: string) => void;
  bad?: boolean;
  inputRef?: Ref<HTMLInputElement>;
  onEnter?: (e: KeyboardEvent) => void;
};

/** A labelled text input for the sign-in and operator forms. */
export function TextField({ name, label, value, onInput, bad = false, inputRef, onEnter }: TextProps) {
  return (
    <label class={bad ? "bad" : ""}>
      <span>{label}</span>
      <input
        name={name}
        autoComplete="off"
        spellcheck={false}
        value={value}
        ref={inputRef}
        onInput={(e) => onInput(e.currentTarget.value)}
        onKeyDown={onEnter && ((e) => e.key === "Enter" && onEnter(e))}
      />
    </label>
  );
}
