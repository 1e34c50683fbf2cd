import { describe, expect, it } from 'vitest'

import { ApiError } from '../../http'
import { importErrorMessage, rowsWith, type PreviewRow } from './imports'
import { DESK_NAV } from '../nav'

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

  it('has lazy entries in the desk shell', () => {
    const entries = DESK_NAV.filter((e) => e.name.startsWith('desk-import'))
    expect(entries.map((e) => e.path)).toEqual(['import', 'import-unsent'])
    expect(entries.every((e) => typeof e.component === 'function')).toBe(true)
  })
})
