import type { ArticleAudience, KnowledgeLocale } from '@journey/contracts';
import { derivedId } from '../knowledge-ids';
import { PRODUCTS } from './shop-products';
import type { Product } from './shop-products';
import { PRODUCT_TOPICS, SHOP_TOPICS } from './shop-topics';
import type { Localised } from './shop-topics';

/** One article of the corpus, in the JSON-lines import format. */
export interface CorpusArticle {
  externalId: string;
  sourceLocale: KnowledgeLocale;
  category: string;
  products: string[];
  audience: ArticleAudience;
  reviewIntervalDays: number;
  locales: Partial<Record<KnowledgeLocale, Localised & { published: boolean }>>;
}

/** A labelled question: the article that answers it, and who asks (the audiences they may read). */
export interface CorpusQuery {
  query: string;
  locale: KnowledgeLocale;
  expected: string;
  audience: ArticleAudience;
}

/** The id an imported corpus article gets (the importer derives it from the external id). */
export const corpusArticleId = (externalId: string) => derivedId(`import:${externalId}`);

const published = (l: Localised) => ({ ...l, published: true });

function productArticle(p: Product, topic: (typeof PRODUCT_TOPICS)[number], prefix: string): CorpusArticle {
  return {
    externalId: `${prefix}:${p.id}:${topic.key}`,
    sourceLocale: 'en',
    category: p.category,
    products: [p.id],
    audience: 'public',
    reviewIntervalDays: 365,
    locales: { en: published(topic.en(p)), 'zh-CN': published(topic.zh(p)) },
  };
}

/** The seed corpus: shop-wide topics and every product's topics, each in English and simplified Chinese. */
export function seedArticles(): CorpusArticle[] {
  const shop = SHOP_TOPICS.map((topic): CorpusArticle => ({
    externalId: `seed:${topic.key}`,
    sourceLocale: 'en',
    category: topic.category,
    products: [],
    audience: topic.audience ?? 'public',
    reviewIntervalDays: 180,
    locales: { en: published(topic.en), 'zh-CN': published(topic.zh) },
  }));
  const products = PRODUCTS.flatMap((p) => PRODUCT_TOPICS.map((topic) => productArticle(p, topic, 'seed')));
  return [...shop, ...products];
}

/** The labelled questions of the seed corpus: two per shop topic and one per product topic, per locale. */
export function seedQueries(): CorpusQuery[] {
  const out: CorpusQuery[] = [];
  for (const topic of SHOP_TOPICS) {
    const audience = topic.audience ?? 'public';
    for (const query of topic.queries.en)
      out.push({ query, locale: 'en', expected: `seed:${topic.key}`, audience });
    for (const query of topic.queries.zh)
      out.push({ query, locale: 'zh-CN', expected: `seed:${topic.key}`, audience });
  }
  for (const p of PRODUCTS)
    for (const topic of PRODUCT_TOPICS) {
      const expected = `seed:${p.id}:${topic.key}`;
      out.push({ query: topic.queries.en(p), locale: 'en', expected, audience: 'public' });
      out.push({ query: topic.queries.zh(p), locale: 'zh-CN', expected, audience: 'public' });
    }
  return out;
}

/** A small seeded PRNG (mulberry32): the grown corpus is the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const ADJECTIVES: readonly [string, string][] = [
  ['Amber', '琥珀'],
  ['Bamboo', '竹影'],
  ['Cedar', '雪松'],
  ['Coral', '珊瑚'],
  ['Dune', '沙丘'],
  ['Echo', '回声'],
  ['Ember', '余烬'],
  ['Fern', '蕨叶'],
  ['Glacier', '冰川'],
  ['Harbor', '海港'],
  ['Indigo', '靛蓝'],
  ['Jade', '翡翠'],
  ['Kite', '风筝'],
  ['Lotus', '莲花'],
  ['Maple', '枫叶'],
  ['Meadow', '草甸'],
  ['Nova', '新星'],
  ['Opal', '蛋白石'],
  ['Pebble', '卵石'],
  ['Quartz', '石英'],
  ['Ripple', '涟漪'],
  ['Sable', '黑貂'],
  ['Summit', '峰顶'],
  ['Tidal', '潮汐'],
  ['Umber', '赭石'],
  ['Velvet', '丝绒'],
  ['Willow', '柳枝'],
  ['Zephyr', '西风'],
  ['Solar', '太阳'],
  ['Lunar', '月光'],
  ['Misty', '薄雾'],
  ['Polar', '极地'],
  ['Rustic', '乡野'],
  ['Silk', '丝绸'],
  ['Stone', '岩石'],
  ['Urban', '都市'],
  ['Vivid', '鲜活'],
  ['Wild', '旷野'],
  ['Cobalt', '钴蓝'],
  ['Golden', '金色'],
];
const NOUNS: readonly [string, string, string][] = [
  ['Lamp', '灯', 'lighting'],
  ['Speaker', '音箱', 'audio'],
  ['Kettle', '水壶', 'kitchen'],
  ['Watch', '手表', 'wearables'],
  ['Backpack', '背包', 'bags'],
  ['Fan', '风扇', 'appliances'],
  ['Earbuds', '耳机', 'audio'],
  ['Pillow', '枕头', 'bedding'],
  ['Vacuum', '吸尘器', 'appliances'],
  ['Blender', '搅拌机', 'kitchen'],
  ['Tent', '帐篷', 'outdoor'],
  ['Camera', '摄像头', 'smart-home'],
  ['Toaster', '面包机', 'kitchen'],
  ['Heater', '取暖器', 'appliances'],
  ['Humidifier', '加湿器', 'appliances'],
  ['Blanket', '毛毯', 'bedding'],
  ['Mug', '保温杯', 'kitchen'],
  ['Router', '路由器', 'smart-home'],
  ['Doorbell', '门铃', 'smart-home'],
  ['Scale', '体重秤', 'wearables'],
  ['Headphones', '头戴耳机', 'audio'],
  ['Projector', '投影仪', 'smart-home'],
  ['Suitcase', '行李箱', 'bags'],
  ['Sleeping Bag', '睡袋', 'outdoor'],
  ['Cooler', '保温箱', 'outdoor'],
  ['Air Purifier', '空气净化器', 'appliances'],
  ['Rice Cooker', '电饭煲', 'kitchen'],
  ['Desk Chair', '办公椅', 'furniture'],
  ['Bookshelf', '书架', 'furniture'],
  ['Mattress', '床垫', 'bedding'],
];
const FILLER: readonly [string, string][] = [
  ['Our team tests every batch before it leaves the warehouse.', '每一批商品出库前都经过我们团队的检验。'],
  ['Packaging is made from recycled cardboard.', '包装采用再生纸板制作。'],
  ['See the manual for the full list of settings.', '完整设置列表请参阅说明书。'],
  ['Colours may look slightly different on screen.', '屏幕显示颜色可能与实物略有差异。'],
  ['Members earn double points on this item in spring.', '春季购买本商品会员可获双倍积分。'],
  ['The quick-start card is also in the app.', '快速入门卡在 App 中也可查看。'],
];

function grownProduct(i: number, next: () => number): Product {
  const [adjEn, adjZh] = ADJECTIVES[i % ADJECTIVES.length] as [string, string];
  const [nounEn, nounZh, category] = NOUNS[Math.floor(i / ADJECTIVES.length) % NOUNS.length] as [
    string,
    string,
    string,
  ];
  const series = Math.floor(i / (ADJECTIVES.length * NOUNS.length)) + 2;
  const battery = next() < 0.4;
  return {
    id: `${adjEn}-${nounEn}-${series}`.toLowerCase().replace(/\s+/g, '-'),
    en: `${adjEn} ${nounEn} ${series}`,
    zh: `${adjZh}${nounZh}${series}代`,
    category,
    warrantyMonths: [12, 24, 36][Math.floor(next() * 3)] as number,
    ...(battery
      ? {
          battery: {
            en: `about ${4 + Math.floor(next() * 40)} hours`,
            zh: `约 ${4 + Math.floor(next() * 40)} 小时`,
          },
        }
      : {}),
    spec: {
      en: `${100 + Math.floor(next() * 2000)} W, ${1 + Math.floor(next() * 9)} settings`,
      zh: `${100 + Math.floor(next() * 2000)} 瓦，${1 + Math.floor(next() * 9)} 档设置`,
    },
    care: { en: 'a soft dry cloth', zh: '柔软的干布' },
  };
}

/**
 * The corpus grown to `count` articles for benchmarks: the seed corpus first, then the same product
 * topics for generated products (adjective × noun × series, in both languages), with filler sentences
 * so that bodies vary in length. Deterministic: the same count gives the same articles.
 */
export function* grownArticles(count: number, seed = 42): Generator<CorpusArticle> {
  const base = seedArticles();
  for (const a of base.slice(0, count)) yield a;
  const next = random(seed);
  let made = base.length;
  for (let i = 0; made < count; i++) {
    const product = grownProduct(i, next);
    for (const topic of PRODUCT_TOPICS) {
      if (made >= count) return;
      const article = productArticle(product, topic, 'grown');
      const fillers = Math.floor(next() * 4);
      for (let f = 0; f < fillers; f++) {
        const [en, zh] = FILLER[Math.floor(next() * FILLER.length)] as [string, string];
        const enLocale = article.locales.en as Localised;
        const zhLocale = article.locales['zh-CN'] as Localised;
        enLocale.body += `\n\n${en}`;
        zhLocale.body += `\n\n${zh}`;
      }
      made += 1;
      yield article;
    }
  }
}
