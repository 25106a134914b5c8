import { expect, it } from "vitest";
import { wholeNumber } from "./numbers";

it.each([
  ["120", 120],
  ["１２０", 120],
  [" 30 ", 30],
])("%s reads as %i seconds", (typed, want) => expect(wholeNumber(typed)).toBe(want));

it.each(["", "1.5", "-1", "一百", "1e3", "1234567"])("%s does not", (typed) => expect(wholeNumber(typed)).toBeNull());
