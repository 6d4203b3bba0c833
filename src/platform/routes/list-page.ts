import type { Row } from '../../db/index.ts';
import type { SelectOptions, TenantRepo, Where } from '../tenant-repo.ts';
import { presentRow } from '../present-row.ts';
import type { Page } from './route-schemas.ts';

export interface ListPage {
  success: true;
  data: Row[];
  meta: { page: number; limit: number; has_more: boolean };
}

/** One page, newest first. Reads limit + 1 rows to know whether there is a next page without a COUNT(*). */
export async function listPage(
  repo: TenantRepo,
  table: string,
  { page, limit }: Page,
  where?: Where,
  orderBy: SelectOptions['orderBy'] = [['id', 'DESC']],
): Promise<ListPage> {
  const rows = await repo.select(table, { where, orderBy, limit: limit + 1, offset: (page - 1) * limit });
  return {
    success: true,
    data: rows.slice(0, limit).map((r) => presentRow(table, r)),
    meta: { page, limit, has_more: rows.length > limit },
  };
}
