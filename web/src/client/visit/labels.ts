/** zh-CN labels for visit vocabulary (glossary in shared/domain.md). */
import type { DemandCategory, VisitMode } from '../../shared/protocol'
import { lookup } from '../../shared/lookup'

export const VISIT_MODES: readonly { value: VisitMode; label: string }[] = [
  { value: 'in_person', label: '登门' },
  { value: 'symposium', label: '座谈' },
  { value: 'phone', label: '电话' },
  { value: 'video', label: '视频' },
]

/** The twelve demand categories (诉求分类), in the order county offices list them. */
export const DEMAND_CATEGORIES: readonly { value: DemandCategory; label: string }[] = [
  { value: 'policy_delivery', label: '政策兑现' },
  { value: 'housing', label: '住房' },
  { value: 'school_enrolment', label: '子女入学' },
  { value: 'medical', label: '医疗' },
  { value: 'household_registration', label: '落户' },
  { value: 'spouse_employment', label: '配偶就业' },
  { value: 'project_application', label: '项目平台申报' },
  { value: 'funding', label: '资金' },
  { value: 'recruitment', label: '用才招聘' },
  { value: 'intellectual_property', label: '知识产权' },
  { value: 'title_evaluation', label: '职称评审' },
  { value: 'other', label: '其他' },
]

const MODE_LABELS: Readonly<Record<string, string>> = Object.fromEntries(VISIT_MODES.map((m) => [m.value, m.label]))
const CATEGORY_LABELS: Readonly<Record<string, string>> = Object.fromEntries(
  DEMAND_CATEGORIES.map((c) => [c.value, c.label]),
)

export function visitModeLabel(mode: string): string {
  return lookup(MODE_LABELS, mode) ?? mode
}

export function demandCategoryLabel(category: string): string {
  return lookup(CATEGORY_LABELS, category) ?? category
}

/** The six talent teams (人才类别). */
const TALENT_CATEGORY_LABELS: Readonly<Record<string, string>> = {
  party_gov: '党政人才',
  enterprise_mgmt: '企业经营管理人才',
  professional_tech: '专业技术人才',
  high_skill: '高技能人才',
  rural_practical: '农村实用人才',
  social_work: '社会工作人才',
}

export function talentCategoryLabel(category: string): string {
  return lookup(TALENT_CATEGORY_LABELS, category) ?? category
}
