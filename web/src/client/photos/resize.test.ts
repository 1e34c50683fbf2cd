import { describe, expect, it } from 'vitest'

import { fitWithin, formatStampTime, MAX_EDGE, watermarkLayout, watermarkLines } from './resize'

describe('fitWithin', () => {
  it('scales a 12 MP landscape photo to 1600 px on the long edge', () => {
    expect(fitWithin(4000, 3000)).toEqual({ width: 1600, height: 1200 })
  })
  it('scales a portrait photo by its height', () => {
    expect(fitWithin(3000, 4000)).toEqual({ width: 1200, height: 1600 })
  })
  it('never scales up', () => {
    expect(fitWithin(800, 600)).toEqual({ width: 800, height: 600 })
    expect(fitWithin(1600, 900)).toEqual({ width: 1600, height: 900 })
  })
  it('keeps the aspect ratio of odd sizes within a pixel', () => {
    const { width, height } = fitWithin(4032, 3024)
    expect(width).toBe(MAX_EDGE)
    expect(height).toBe(1200)
    const pano = fitWithin(12000, 2000)
    expect(pano).toEqual({ width: 1600, height: 267 })
  })
  it('never rounds a thin image to zero', () => {
    expect(fitWithin(100000, 10).height).toBe(1)
  })
  it('rejects an empty image', () => {
    expect(() => fitWithin(0, 100)).toThrow(RangeError)
    expect(() => fitWithin(Number.NaN, 100)).toThrow(RangeError)
  })
  it('honours another limit', () => {
    expect(fitWithin(2560, 1440, 1280)).toEqual({ width: 1280, height: 720 })
  })
})

describe('watermark', () => {
  it('lists time, place and visitor, leaving out empty parts', () => {
    expect(watermarkLines({ time: '2026-03-07 09:05', place: ' 南关村 ', visitor: '张三' })).toEqual([
      '2026-03-07 09:05',
      '地点：南关村',
      '记录人：张三',
    ])
    expect(watermarkLines({ time: 't', place: '', visitor: '' })).toEqual(['t'])
  })
  it('shortens a long line', () => {
    const [, place] = watermarkLines({ time: 't', place: '很'.repeat(60), visitor: '' })
    expect(Array.from(place!).length).toBe(40)
    expect(place!.endsWith('…')).toBe(true)
  })
  it('places a band along the bottom edge that fits the lines', () => {
    const layout = watermarkLayout({ width: 1600, height: 1200 }, 3)
    expect(layout.fontSize).toBe(30)
    expect(layout.bandTop).toBeGreaterThan(1200 - 200)
    expect(layout.baselines).toHaveLength(3)
    expect(layout.baselines[2]!).toBeLessThan(1200)
    expect(layout.baselines[0]!).toBeGreaterThan(layout.bandTop)
  })
  it('keeps text readable on small photos', () => {
    expect(watermarkLayout({ width: 300, height: 200 }, 1).fontSize).toBe(14)
  })
  it('formats the stamp time on the phone clock', () => {
    expect(formatStampTime(new Date(2026, 2, 7, 9, 5).getTime())).toBe('2026-03-07 09:05')
  })
})
