import { describe, expect, it } from 'vitest'

import { describeDevice } from './device'

describe('describeDevice', () => {
  it.each([
    [
      'Mozilla/5.0 (Linux; Android 13; V2183A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
      'Android 手机 · Chrome',
    ],
    [
      'Mozilla/5.0 (Linux; Android 12; ELS-AN00) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/99.0 Mobile Safari/537.36 MicroMessenger/8.0.40',
      'Android 手机 · 微信',
    ],
    [
      'Mozilla/5.0 (Linux; Android 10; HarmonyOS; NOH-AN00) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/99.0 HuaweiBrowser/14.0 Mobile Safari/537.36',
      '鸿蒙手机 · 华为浏览器',
    ],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
      'iPhone · Safari',
    ],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0',
      'Windows 电脑 · Edge',
    ],
    ['', '未知设备 · 浏览器'],
  ])('%s', (ua, name) => {
    expect(describeDevice(ua)).toBe(name)
  })
})
