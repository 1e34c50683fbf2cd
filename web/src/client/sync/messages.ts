/**
 * What the user reads about a sync problem (zh-CN): what happened and what to do.
 * Codes are the server's stable error codes (sync/PROTOCOL.md) or the client's own.
 */
import { errorMessage } from '../../shared/errors'
import { lookup } from '../../shared/lookup'

const MESSAGES: Readonly<Record<string, string>> = {
  'sync.not_found': '服务器上找不到这条记录（可能已在其他设备删除）。如需保留，请重新填写后提交。',
  'sync.forbidden': '没有权限修改这条记录。如有疑问请联系管理员。',
  'sync.locked': '这条记录已提交审核或已审核通过，不能再修改。如需修改，请联系审核人退回。',
  'sync.invalid_state': '这条记录当前的状态不允许此操作（例如已审核通过）。无需再次提交。',
  'sync.skipped': '这条内容服务器无法识别，已跳过。请导出未同步数据并联系管理员。',
  'sync.malformed': '这条内容格式有误，服务器无法识别。请导出未同步数据并联系管理员。',
  'sync.unknown_op': '应用版本与服务器不匹配，这条内容无法提交。请刷新更新应用，并导出未同步数据交给管理员。',
  'sync.mutation_id_reused': '同步编号冲突，这条内容未被接收。请导出未同步数据并联系管理员。',
  'sync.sequence_reused': '同步编号冲突，这条内容未被接收。请导出未同步数据并联系管理员。',
  'sync.refused': '服务器拒绝保存这条内容。请导出未同步数据并联系管理员。',
  'sync.unsupported_version': '应用版本过旧，服务器不再接受。请刷新页面更新应用后再同步，本机数据会保留。',
  'sync.device_mismatch': '本机登录信息已失效，请重新登录后继续同步。本机数据会保留。',
  'auth.required': '登录已失效，请重新登录后继续同步。本机未同步的内容会保留。',
  'auth.forbidden': '当前账号没有同步权限，请联系管理员。',
  'network.offline': '网络不可用。联网后会自动同步，内容保存在本机。',
  'network.timeout': '网络太慢，请求超时。稍后会自动重试。',
  'response.invalid': '服务器响应异常。如果连的是需要登录的 Wi-Fi，请先在浏览器里登录 Wi-Fi，稍后会自动重试。',
  'server.error': '服务器暂时出错，稍后会自动重试。',
  'server.busy': '服务器繁忙，稍后会自动重试。',
  'storage.failed': '无法读写本机存储。请关闭无痕/隐私模式，或检查手机存储空间。',
  'payload.too_large': '照片太大，超过服务器的上限。请删除这张照片后重新拍摄。',
  'media.hash_mismatch': '照片数据在本机已损坏，无法上传。请删除这张照片后重新拍摄。',
  'media.unsupported_type': '照片格式不受支持（只支持 JPG 和 PNG）。请删除后重新拍摄。',
  'media.length_mismatch': '这张照片与服务器上的记录不一致。请删除后重新拍摄。',
  'media.invalid_hash': '照片编号无效。请删除这张照片后重新拍摄。',
  'media.upload_in_progress': '这张照片正在其他页面上传，稍后会自动重试。',
  'client.error': '同步时出错，稍后会自动重试。如果一直这样，请导出未同步数据并联系管理员。',
  'sync.already_resolved': '这处冲突已由他人处理。',
  'sync.stuck': '同步没有进展，稍后会自动重试。如果一直这样，请导出未同步数据并联系管理员。',
}

/** Record fields the server may name in a validation rejection or a conflict. */
const FIELD_LABELS: Readonly<Record<string, string>> = {
  _deleted: '删除',
  mode: '走访方式',
  visitors: '走访人',
  lead_official: '带队领导',
  place: '地点',
  policies: '宣讲政策',
  notes: '备注',
  ask_key: '所属问项',
  resolved_on_site: '当场解决',
  result: '检查结果',
  note: '说明',
  responsible_unit_name: '责任单位',
  accuracy: '定位精度',
  located_at: '定位时间',
  visited_on: '走访日期',
  inspected_on: '检查日期',
  talent_id: '走访对象',
  target_unit_name: '走访单位',
  campaign_id: '走访活动',
  sends: '送达事项',
  asks: '问询内容',
  latitude: '位置',
  longitude: '位置',
  photos: '照片',
  item_id: '检查项',
  template_id: '检查模板',
  service_center_id: '服务中心',
  base_version: '版本',
  description: '诉求内容',
  category: '诉求分类',
  deadline: '整改时限',
  issue: '整改问题',
  score: '得分',
  id: '记录编号',
}

/** What a field must be, added to a validation refusal that names it (the server's checks). */
const FIELD_RULES: Readonly<Record<string, string>> = {
  visited_on: '须在所选走访活动的起止日期内，且不晚于今天',
  inspected_on: '不能晚于今天',
  campaign_id: '须是进行中的走访活动',
}

/** The zh-CN name of a record field (the wire name when there is none). */
export function fieldLabel(field: string): string {
  return lookup(FIELD_LABELS, field) ?? field
}

/**
 * A visit dated outside its campaign (the server's check; the form offers only campaigns running
 * on the date): which campaign and its dates when the server names them, and who can help.
 */
function outsideCampaign(details?: Readonly<Record<string, unknown>>): string {
  const [name, starts, ends] = ['campaign_name', 'starts_on', 'ends_on'].map((key) => details?.[key])
  const which =
    typeof name === 'string' && typeof starts === 'string' && typeof ends === 'string'
      ? `（${name}，${starts} 至 ${ends}）`
      : ''
  return `走访日期不在所选走访活动${which}的起止日期内，服务器未接收。请打开这条记录，改选走访当天进行中的走访活动后重新提交；如没有，请联系管理员设置。`
}

/** The zh-CN text for a sync error code; `details.field` names the field of a validation error. */
export function syncErrorMessage(code: string, details?: Readonly<Record<string, unknown>>): string {
  if (code === 'sync.outside_campaign') return outsideCampaign(details)
  if (code === 'sync.validation' || code === 'request.validation') {
    const field = details?.['field']
    const label = typeof field === 'string' ? lookup(FIELD_LABELS, field) : undefined
    const rule = typeof field === 'string' ? lookup(FIELD_RULES, field) : undefined
    return label
      ? `“${label}”填写有误${rule ? `（${rule}）` : ''}，服务器未接收。请打开这条记录修改后重新提交。`
      : '内容有误，服务器未接收。请打开这条记录检查后重新提交。'
  }
  return lookup(MESSAGES, code) ?? errorMessage(code, details)
}
