/**
 * A human-readable name for this phone, sent at sign-in so an admin can tell a
 * user's devices apart ("Android 手机 · 微信"). Best effort from the user agent.
 */
const MAX_LENGTH = 64

function platformOf(ua: string): string {
  if (/iPad/.test(ua)) return 'iPad'
  if (/iPhone|iPod/.test(ua)) return 'iPhone'
  if (/HarmonyOS|OpenHarmony/i.test(ua)) return '鸿蒙手机'
  if (/Android/.test(ua)) return /Mobile/.test(ua) ? 'Android 手机' : 'Android 平板'
  if (/Windows/.test(ua)) return 'Windows 电脑'
  if (/Macintosh/.test(ua)) return 'Mac 电脑'
  if (/Linux/.test(ua)) return 'Linux 电脑'
  return '未知设备'
}

function browserOf(ua: string): string {
  if (/MicroMessenger/i.test(ua)) return /wxwork/i.test(ua) ? '企业微信' : '微信'
  if (/DingTalk/i.test(ua)) return '钉钉'
  if (/HuaweiBrowser/i.test(ua)) return '华为浏览器'
  if (/MiuiBrowser/i.test(ua)) return '小米浏览器'
  if (/UCBrowser/i.test(ua)) return 'UC 浏览器'
  if (/MQQBrowser|QQBrowser/i.test(ua)) return 'QQ 浏览器'
  if (/EdgA?\//.test(ua)) return 'Edge'
  if (/Firefox\//.test(ua)) return 'Firefox'
  if (/Chrome\/|CriOS\//.test(ua)) return 'Chrome'
  if (/Safari\//.test(ua)) return 'Safari'
  return '浏览器'
}

export function describeDevice(userAgent: string): string {
  return `${platformOf(userAgent)} · ${browserOf(userAgent)}`.slice(0, MAX_LENGTH)
}
