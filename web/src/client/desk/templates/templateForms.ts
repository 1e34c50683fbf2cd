/**
 * 检查模板 (admins): dimensions, items (standard, maximum score, method) and their order.
 * Editing a template inspections already used makes a new version on the server.
 */
import { requestAsUser } from '../../auth/request'
import type { FieldErrors } from '../adminForm'

export const METHODS: readonly { value: string; label: string }[] = [
  { value: 'site_check', label: '实地察看' },
  { value: 'document_review', label: '查阅资料' },
  { value: 'interview', label: '走访询问' },
  { value: 'briefing', label: '听取汇报' },
]

export interface TemplateItem {
  dimension: string
  title: string
  standard: string
  max_score: number
  method: string
}

export interface TemplateForm {
  name: string
  description: string
  org_unit_id: string
  items: TemplateItem[]
  version: number
}

export interface Template extends TemplateForm {
  id: string
  active: boolean
  supersedes: string | null
}

export function emptyTemplate(): TemplateForm {
  return { name: '', description: '', org_unit_id: '', items: [], version: 0 }
}

export function newItem(dimension = ''): TemplateItem {
  return { dimension, title: '', standard: '', max_score: 5, method: 'site_check' }
}

export function formOf(template: Template): TemplateForm {
  const { name, description, org_unit_id, version } = template
  const items = template.items.map(({ dimension, title, standard, max_score, method }) => ({
    dimension,
    title,
    standard,
    max_score,
    method,
  }))
  return { name, description, org_unit_id, items, version }
}

/** The total of the maximum scores (a checklist usually sums to 100). */
export function totalScore(items: TemplateItem[]): number {
  return items.reduce((sum, i) => sum + (Number.isFinite(i.max_score) ? i.max_score : 0), 0)
}

export function checkTemplate(form: TemplateForm): FieldErrors {
  const errors: FieldErrors = {}
  if (!form.name.trim() || form.name.trim().length > 100) errors['name'] = '请填写模板名称（最多 100 个字）'
  if (!form.org_unit_id) errors['org_unit_id'] = '请选择负责单位'
  if (form.items.length === 0) errors['items'] = '至少需要一项检查内容'
  form.items.forEach((item, n) => {
    if (!item.dimension.trim() || item.dimension.trim().length > 50) errors[`items.${n}.dimension`] = '请填写维度（最多 50 个字）'
    if (!item.title.trim() || item.title.trim().length > 200) errors[`items.${n}.title`] = '请填写检查项目（最多 200 个字）'
    if (!(item.max_score > 0 && item.max_score <= 1000)) errors[`items.${n}.max_score`] = '满分应大于 0 且不超过 1000'
    if (!METHODS.some((m) => m.value === item.method)) errors[`items.${n}.method`] = '请选择检查方式'
  })
  return errors
}

export async function listTemplates(): Promise<Template[]> {
  return (await requestAsUser('GET', '/api/admin/checklist-templates')) as Template[]
}

export async function saveTemplate(id: string | null, form: TemplateForm): Promise<Template> {
  const path = id ? `/api/admin/checklist-templates/${id}` : '/api/admin/checklist-templates'
  return (await requestAsUser(id ? 'PUT' : 'POST', path, form)) as Template
}

export async function deactivateTemplate(id: string, version: number): Promise<Template> {
  return (await requestAsUser('POST', `/api/admin/checklist-templates/${id}/deactivate`, { version })) as Template
}
