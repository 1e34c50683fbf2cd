import { describe, expect, it } from 'vitest'

import { distanceTo, formatDistance, haversineMetres, isImprecise, locationErrorMessage, locationHint } from './geo'

describe('haversineMetres', () => {
  it('is zero for the same point', () => {
    expect(haversineMetres({ latitude: 28.2, longitude: 112.9 }, { latitude: 28.2, longitude: 112.9 })).toBe(0)
  })

  it('measures one degree of latitude as about 111 km', () => {
    const d = haversineMetres({ latitude: 28, longitude: 112.9 }, { latitude: 29, longitude: 112.9 })
    expect(d).toBeGreaterThan(111_000)
    expect(d).toBeLessThan(111_400)
  })

  it('matches a known distance (Beijing Tiananmen to Shanghai People’s Square, ~1068 km)', () => {
    const d = haversineMetres({ latitude: 39.9087, longitude: 116.3975 }, { latitude: 31.2304, longitude: 121.4737 })
    expect(d / 1000).toBeGreaterThan(1060)
    expect(d / 1000).toBeLessThan(1075)
  })

  it('is symmetric and handles short village-scale distances', () => {
    const a = { latitude: 28.2, longitude: 112.9 }
    const b = { latitude: 28.2045, longitude: 112.9 } // ~500 m north
    expect(haversineMetres(a, b)).toBeCloseTo(haversineMetres(b, a), 6)
    expect(haversineMetres(a, b)).toBeGreaterThan(495)
    expect(haversineMetres(a, b)).toBeLessThan(505)
  })
})

describe('distanceTo', () => {
  const fix = { latitude: 28.2, longitude: 112.9, accuracy: 10, located_at: '2026-03-07T01:00:00Z' }
  it('is null without a fix or a registered place', () => {
    expect(distanceTo(null, { latitude: 1, longitude: 1 })).toBeNull()
    expect(distanceTo(fix, null)).toBeNull()
    expect(distanceTo(fix, { latitude: null, longitude: 112.9 })).toBeNull()
  })
  it('measures to the place', () => {
    expect(distanceTo(fix, { latitude: 28.2, longitude: 112.9 })).toBe(0)
  })
})

describe('display', () => {
  it('formats metres and kilometres in Chinese', () => {
    expect(formatDistance(35.4)).toBe('35 米')
    expect(formatDistance(1234)).toBe('1.2 公里')
    expect(formatDistance(18_400)).toBe('18 公里')
  })
  it('warns above 100 m accuracy', () => {
    expect(isImprecise({ accuracy: 100 })).toBe(false)
    expect(isImprecise({ accuracy: 100.1 })).toBe(true)
  })
  it('explains a refused permission', () => {
    expect(locationErrorMessage(1)).toContain('权限')
    expect(locationErrorMessage(3)).toContain('超时')
    expect(locationErrorMessage('unsupported')).toContain('不支持')
  })
})

describe('locationHint', () => {
  it('says a required position is asked for with one tap, and an optional one the same way', () => {
    expect(locationHint(true)).toContain('本次活动要求记录定位')
    expect(locationHint(true)).toContain('请点击“获取定位”')
    expect(locationHint(true)).not.toContain('仅在点击时')
    expect(locationHint(false)).toBe('仅在点击时定位一次，不会持续记录位置')
  })
})
