import { describe, expect, it } from 'vitest'

import type { OutboxItem, Photo } from '../storage'
import { formatBytes, outboxRows } from './outboxRows'

function item(over: Partial<OutboxItem>): OutboxItem {
  return {
    id: 'm',
    user_id: 'u',
    kind: 'visit.put',
    entity: 'visit',
    entity_id: 'v1',
    seq: 1,
    status: 'pending',
    created_at: 1000,
    last_error: null,
    payload: { op: 'visit.put', visit: { visited_on: '2026-03-02' } },
    ...over,
  }
}

describe('outbox rows', () => {
  it('groups a record’s mutations, lists waiting photos, problems first', () => {
    const photo: Photo = {
      sha256: 'aa',
      record_id: 'v1',
      mime: 'image/jpeg',
      bytes: new ArrayBuffer(0),
      size: 400_000,
      status: 'uploading',
      uploaded_bytes: 100_000,
      created_at: 500,
    }
    const rows = outboxRows(
      [
        item({ id: 'm1', seq: 1 }),
        item({ id: 'm2', seq: 2, kind: 'visit.submit', payload: { op: 'visit.submit' } }),
        item({ id: 'm3', seq: 3, entity_id: 'v2', status: 'rejected', last_error: 'sync.locked', error_message: '已审核，不能再修改', created_at: 3000 }),
      ],
      [photo, { ...photo, sha256: 'bb', status: 'uploaded' }],
    )
    expect(rows.map((r) => [r.title, r.detail, r.statusLabel])).toEqual([
      ['人才走访 · 2026-03-02', '保存', '未被接收'],
      ['照片', '已传 25%', '上传中'],
      ['人才走访 · 2026-03-02', '保存并提交', '待发送'],
    ])
    expect(rows[0]!.error).toBe('已审核，不能再修改')
    expect(rows[1]!.size).toBe(300_000)
    expect(rows[2]!.itemIds).toEqual(['m1', 'm2'])
    expect(rows[2]!.link).toBe('/records/visit/v1')
  })

  it('formats sizes', () => {
    expect([formatBytes(512), formatBytes(380 * 1024), formatBytes(1.25 * 1024 * 1024)]).toEqual(['512 B', '380 KB', '1.3 MB'])
  })
})
