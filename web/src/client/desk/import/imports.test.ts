import { describe, expect, it } from 'vitest'

import { ApiError } from '../../http'
import { importErrorMessage, rowsWith, type PreviewRow } from './imports'
import { importRoutes } from './routes'

const rows: PreviewRow[] = [
  { row: 2, action: 'create', name: '李新一', messages: [], changed: [] },
  { row: 3, action: 'error', name: '', messages: ['缺少姓名'], changed: [] },
]

describe('imports', () => {
  it('filters rows by what they would do', () => {
    expect(rowsWith(rows, 'all')).toHaveLength(2)
    expect(rowsWith(rows, 'error').map((r) => r.row)).toEqual([3])
  })

  it("shows the server's Chinese message for import codes", () => {
    expect(importErrorMessage(new ApiError(400, 'import.empty_file', '文件是空的'))).toBe('文件是空的')
    expect(importErrorMessage(new ApiError(403, 'auth.forbidden', 'requires role admin'))).toBe('只有管理员可以导入名单。')
  })

  it('exports lazy routes for the desk shell', () => {
    expect(importRoutes.map((r) => r.path)).toEqual(['/desk/import', '/desk/import/unsent'])
    expect(importRoutes.every((r) => typeof r.component === 'function')).toBe(true)
  })
})
