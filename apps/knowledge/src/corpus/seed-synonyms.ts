import type { KnowledgeLocale } from '@journey/contracts';

/**
 * The seed corpus's synonym book, as an admin of the shop would set it (PUT /v1/settings/synonyms):
 * the words customers use for what the articles call otherwise. Recall is measured with and without it.
 */
export const SEED_SYNONYMS: Partial<Record<KnowledgeLocale, string[][]>> = {
  en: [
    ['turn on', 'switch on', 'power on', 'start'],
    ['voltage', 'volts', 'mains', 'power supply'],
    ['repair', 'fix', 'repaired', 'broken'],
    ['return', 'send back'],
    ['postage', 'shipping', 'delivery'],
    ['arrive', 'delivery', 'arrival'],
    ['package', 'parcel'],
    ['compensation', 'voucher', 'goodwill'],
    ['history', 'orders'],
    ['missing', 'part of my order', 'incomplete'],
    ['not home', 'out', 'signature'],
  ],
  'zh-CN': [
    ['清洗', '清洁'],
    ['开不了机', '无法开机', '打不开'],
    ['包邮', '免运费'],
    ['到货', '送达', '配送'],
    ['发货', '出库'],
    ['维修', '修理', '修'],
    ['续航', '电池'],
    ['少发', '缺件', '漏发'],
    ['退', '退货'],
    ['值得买', '适合', '选购'],
  ],
};
