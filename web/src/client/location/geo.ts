/**
 * A position taken once, when the visitor asks for it (or the campaign requires
 * one): never a continuous track (PIPL treats location trails as sensitive).
 * Stored as the browser gives it, WGS-84; converting for a Chinese web map is a
 * display concern.
 */

/** One fix, as stored with a record. `located_at` is an ISO time with its zone. */
export interface Fix {
  latitude: number
  longitude: number
  /** Metres (radius of 68 % confidence), as the browser reports it. */
  accuracy: number
  located_at: string
}

export interface LatLng {
  latitude: number
  longitude: number
}

/** Above this the fix is shown as imprecise (ODK turns red at the same figure). */
export const ACCURACY_WARN_METRES = 100
/** An inspection further than this from the centre's registered location is flagged. */
export const DISTANCE_FLAG_METRES = 500

const EARTH_RADIUS_METRES = 6_371_008.8

/** Great-circle distance in metres (haversine; plenty at village scale). */
export function haversineMetres(a: LatLng, b: LatLng): number {
  const rad = Math.PI / 180
  const dLat = (b.latitude - a.latitude) * rad
  const dLng = (b.longitude - a.longitude) * rad
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLng / 2) ** 2
  return 2 * EARTH_RADIUS_METRES * Math.asin(Math.min(1, Math.sqrt(h)))
}

/** "35 米", "1.2 公里", "18 公里". */
export function formatDistance(metres: number): string {
  if (metres < 1000) return `${Math.round(metres)} 米`
  const km = metres / 1000
  return `${km < 10 ? km.toFixed(1) : Math.round(km)} 公里`
}

export function isImprecise(fix: Pick<Fix, 'accuracy'>): boolean {
  return fix.accuracy > ACCURACY_WARN_METRES
}

/** Distance from a fix to a registered place, or null when either is unknown. */
export function distanceTo(fix: Fix | null, place: { latitude?: number | null; longitude?: number | null } | null): number | null {
  if (!fix || !place || place.latitude == null || place.longitude == null) return null
  return haversineMetres(fix, { latitude: place.latitude, longitude: place.longitude })
}

/** What to tell the visitor when the browser gives no fix (GeolocationPositionError codes). */
export function locationErrorMessage(code: number | 'unsupported'): string {
  switch (code) {
    case 'unsupported':
      return '此浏览器不支持定位，可在“地点”中填写文字说明'
    case 1:
      return '未获得定位权限：请在浏览器或系统设置中允许本应用使用位置信息'
    case 3:
      return '定位超时：请到开阔处重试，或在“地点”中填写文字说明'
    default:
      return '暂时无法定位：请稍后重试，或在“地点”中填写文字说明'
  }
}

export class LocationError extends Error {
  override readonly name = 'LocationError'
  constructor(readonly code: number | 'unsupported') {
    super(locationErrorMessage(code))
  }
}

const TIMEOUT_MS = 20_000

/**
 * Ask the browser for one fresh position. GPS only (no network lookup needed:
 * it works without signal, just slower); a cached fix up to 30 s old is fine.
 */
export function locateOnce(now: () => number = Date.now): Promise<Fix> {
  return new Promise((resolve, reject) => {
    if (typeof navigator === 'undefined' || !navigator.geolocation) {
      reject(new LocationError('unsupported'))
      return
    }
    navigator.geolocation.getCurrentPosition(
      (position) =>
        resolve({
          latitude: position.coords.latitude,
          longitude: position.coords.longitude,
          accuracy: position.coords.accuracy,
          located_at: new Date(position.timestamp || now()).toISOString(),
        }),
      (error) => reject(new LocationError(error.code)),
      { enableHighAccuracy: true, timeout: TIMEOUT_MS, maximumAge: 30_000 },
    )
  })
}

/** What the location field says before a fix: it locates once per tap, never by itself. */
export function locationHint(required: boolean | undefined): string {
  return required
    ? '本次活动要求记录定位：请点击“获取定位”，只定位一次，不会持续记录位置'
    : '仅在点击时定位一次，不会持续记录位置'
}
