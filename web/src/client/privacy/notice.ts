/**
 * The privacy notice (PIPL, 个人信息保护法: people must be told what is processed, why,
 * for how long and by whom). The sign-in screen shows its summary, with the whole text a tap
 * away, before anyone signs in; signing in records that this user was told, and when, per
 * user in localStorage; the account screen shows the whole text and that date. Processing
 * here rests on statutory duties, so the law asks for notice, not consent: the notice never
 * blocks signing in (a field worker may need to, offline, in a hurry).
 */

export interface NoticeSection {
  title: string
  body: readonly string[]
}

/** Bump when the text changes materially: everyone is shown the new notice once. */
export const NOTICE_VERSION = 1

export const NOTICE_TITLE = '个人信息保护说明'

/** What the sign-in screen shows of it, before the link to the whole text. */
export const NOTICE_SUMMARY =
  '为开展人才走访和阵地检查工作，本应用收集你的账号信息和你记录的走访、检查内容；定位只在你点击时记录一次；删除的内容在同步期限（默认 90 天）后彻底清除；只有你、你的审核人和管理员能看到你的记录。'

export const NOTICE_SECTIONS: readonly NoticeSection[] = [
  {
    title: '收集哪些信息',
    body: [
      '你的账号：姓名、用户名、所属单位和角色；每次登录的设备名称、时间和网络地址。',
      '你记录的走访和检查：走访对象（人才）的姓名、单位和联系电话，走访内容、诉求及其办理情况，党群服务中心检查结果。联系电话加密保存，在列表和导出中只显示部分号码。',
      '照片：可选，只在你拍摄或选择时上传，用作走访、检查的佐证。',
      '位置：只在你点击“获取定位”时记录一次，不会持续跟踪你的行踪。',
    ],
  },
  {
    title: '为什么收集',
    body: [
      '用于依法开展“三送三问”人才走访和党群服务中心检查等组织工作职责：记录走访、审核记录、交办和办结诉求、生成周报。不用于人脸识别，不做积分排名或在线时长统计。',
    ],
  },
  {
    title: '保存多久',
    body: [
      '走访、检查记录及其修改历史在工作需要期间保存。',
      '你删除的草稿、撤回的诉求、未传完的照片、过期或已退出的登录凭证，在同步期限（默认 90 天）后从服务器彻底删除。',
      '登录、审核、诉求办理和导出等操作记入审计日志，按安全管理要求保存。数据存放在境内服务器。',
    ],
  },
  {
    title: '谁能看到',
    body: [
      '你本人；你所在单位及上级单位的审核人（只看其管辖范围内的记录）；系统管理员。',
      '诉求的承办单位只看到交办给它的诉求。周报中逾期名单上的人才姓名只显示姓氏（如“张*”），按工作量统计，不做排名。',
      '不向上述人员以外的任何人提供。如需查阅或更正你的信息，请联系本单位管理员。',
    ],
  },
]

function storageKey(userId: string): string {
  return `zoufang.privacy_notice.v${NOTICE_VERSION}.${userId}`
}

/** When this user signed in on this device having been shown the current notice, or null. */
export function acknowledgedAt(userId: string): Date | null {
  try {
    const stored = localStorage.getItem(storageKey(userId))
    return stored ? new Date(stored) : null
  } catch {
    return null // storage unavailable: say nothing rather than something wrong
  }
}

/** Remember that this user signed in having been shown the current notice. */
export function acknowledge(userId: string, now: Date = new Date()): void {
  try {
    localStorage.setItem(storageKey(userId), now.toISOString())
  } catch {
    // Storage full or blocked: the account screen then just gives no date.
  }
}
