/** One node of a Postgres `EXPLAIN (FORMAT JSON)` plan (the fields tests and benchmarks read). */
export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

/** The plan of an `EXPLAIN (FORMAT JSON)` result row. */
export const planOf = (row: Record<string, unknown>): PlanNode => (row['QUERY PLAN'] as Array<{ Plan: PlanNode }>)[0].Plan;

/** Every node of a plan, the root first. */
export const planNodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(planNodes)];
