/** One invariant's verdict over a run: how many things it checked and what broke it. */
export interface Invariant {
  name: string;
  checked: number;
  violations: string[];
}
