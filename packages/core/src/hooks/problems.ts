/** One thing wrong with a request, as the 400 answer lists it. */
export interface FieldProblem {
  field: string;
  problem: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: FieldProblem[] };
