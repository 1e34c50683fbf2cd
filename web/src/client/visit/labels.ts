/** zh-CN labels for visit vocabulary (glossary in shared/domain.md). */
import { DEMAND_CATEGORIES, VISIT_MODES, type DemandCategory, type VisitMode } from '../../shared/protocol'
import { lookup } from '../../shared/lookup'

// Typed by the protocol's lists: a value added there fails the type check until it has a label.
const MODE_LABELS: Readonly<Record<VisitMode, string>> = { in_person: '登门', symposium: '座谈', phone: '电话', video: '视频' }

const CATEGORY_LABELS: Readonly<Record<DemandCategory, string>> = {
  policy_delivery: '政策兑现',
  housing: '住房',
  school_enrolment: '子女入学',
  medical: '医疗',
  household_registration: '落户',
  spouse_employment: '配偶就业',
  project_application: '项目平台申报',
  funding: '资金',
  recruitment: '用才招聘',
  intellectual_property: '知识产权',
  title_evaluation: '职称评审',
  other: '其他',
}

export const VISIT_MODE_OPTIONS: readonly { value: VisitMode; label: string }[] = VISIT_MODES.map((value) => ({
  value,
  label: MODE_LABELS[value],
}))

/** The twelve demand categories (诉求分类), in the protocol's order (the order county offices list them). */
export const DEMAND_CATEGORY_OPTIONS: readonly { value: DemandCategory; label: string }[] = DEMAND_CATEGORIES.map(
  (value) => ({ value, label: CATEGORY_LABELS[value] }),
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
