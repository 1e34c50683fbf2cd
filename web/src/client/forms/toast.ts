/**
 * A short message at the middle of the screen (role="status", read aloud by
 * screen readers), gone after two seconds. The field screens' only use of a
 * toast; Vant's would add ~1.5 KB to each of them.
 */
import './toast.css'

let current: HTMLElement | null = null
let timer: ReturnType<typeof setTimeout> | undefined

export function toast(message: string, durationMs = 2000): void {
  clearTimeout(timer)
  current?.remove()
  const el = document.createElement('div')
  el.className = 'zf-toast'
  el.setAttribute('role', 'status')
  el.textContent = message
  document.body.append(el)
  current = el
  timer = setTimeout(() => {
    el.remove()
    if (current === el) current = null
  }, durationMs)
}
