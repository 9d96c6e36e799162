/**
 * Search attributes that keep the Temporal UI useful (ARCHITECTURE.md): consortium code, stage, area
 * team and due date. The worker registers them at start-up, so the embedded dev server, the
 * time-skipping test server and a docker-compose Temporal all get them the same way.
 */
import proto from '@temporalio/proto';

const { temporal } = proto;

type ConnectionWithOperator = {
  operatorService: {
    listSearchAttributes(req: object): Promise<{ customAttributes?: Record<string, unknown> | null }>;
    addSearchAttributes(req: object): Promise<unknown>;
  };
};

export const SEARCH_ATTRIBUTES = {
  ConsortiumCode: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  CaseStage: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  AreaTeam: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  DueDate: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
} as const;

export async function ensureSearchAttributes(connection: ConnectionWithOperator, namespace: string): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = Object.fromEntries(
    Object.entries(SEARCH_ATTRIBUTES).filter(
      ([name]) => !(existing.customAttributes && name in existing.customAttributes),
    ),
  );
  if (Object.keys(missing).length > 0)
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
}
