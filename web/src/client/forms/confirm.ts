/**
 * Ask before a destructive action, with Vant's ActionSheet (the sheet is loaded
 * anyway; Dialog would add ~2 KB to every field screen). One pending question
 * per screen: asking again answers the previous one with "no".
 */
import { reactive } from 'vue'

export interface ConfirmState {
  show: boolean
  title: string
  description: string
  action: string
}

export function useConfirm() {
  const state = reactive<ConfirmState>({ show: false, title: '', description: '', action: '' })
  let resolve: ((ok: boolean) => void) | null = null

  function answer(ok: boolean): void {
    state.show = false
    const done = resolve
    resolve = null
    done?.(ok)
  }

  /** Resolves true when the visitor picks `action`, false on cancel or a tap outside. */
  function ask(question: { title: string; description?: string; action: string }): Promise<boolean> {
    answer(false)
    Object.assign(state, { show: true, description: '', ...question })
    return new Promise((r) => (resolve = r))
  }

  return { state, ask, answer }
}
