// The fictional shop of the seed corpus: Lumen & Co. (流明商店), homeware and small electronics, sold
// online, in its app, on WeChat and in a few stores. Every fact here is invented.

export interface Product {
  /** The product's handle (what articles and the answer policy name it by). */
  id: string;
  en: string;
  zh: string;
  category: string;
  warrantyMonths: number;
  /** Battery life, for battery products (en / zh phrasing). */
  battery?: { en: string; zh: string };
  /** One fact of its specification, for the specification article. */
  spec: { en: string; zh: string };
  /** What to clean it with. */
  care: { en: string; zh: string };
}

export const PRODUCTS: readonly Product[] = [
  {
    id: 'aurora-lamp',
    en: 'Aurora Desk Lamp',
    zh: '极光台灯',
    category: 'lighting',
    warrantyMonths: 24,
    spec: { en: '9 W LED, 3 colour temperatures, 800 lumens', zh: '9 瓦 LED，三档色温，800 流明' },
    care: { en: 'a dry microfibre cloth', zh: '干燥的超细纤维布' },
  },
  {
    id: 'nimbus-speaker',
    en: 'Nimbus Speaker',
    zh: '云朵音箱',
    category: 'audio',
    warrantyMonths: 12,
    battery: { en: 'about 12 hours of music', zh: '约 12 小时音乐播放' },
    spec: {
      en: '20 W stereo, Bluetooth 5.3, IPX5 splash resistance',
      zh: '20 瓦立体声，蓝牙 5.3，IPX5 防泼溅',
    },
    care: { en: 'a slightly damp cloth, never under running water', zh: '微湿的软布，切勿用水冲洗' },
  },
  {
    id: 'terra-kettle',
    en: 'Terra Kettle',
    zh: '陶土电水壶',
    category: 'kitchen',
    warrantyMonths: 24,
    spec: { en: '1.5 litres, 2200 W, keep-warm for 60 minutes', zh: '1.5 升，2200 瓦，保温 60 分钟' },
    care: { en: 'white vinegar and water to descale once a month', zh: '每月用白醋加水除垢一次' },
  },
  {
    id: 'orbit-watch',
    en: 'Orbit Watch',
    zh: '轨道手表',
    category: 'wearables',
    warrantyMonths: 12,
    battery: { en: 'up to 5 days per charge', zh: '每次充电最长续航 5 天' },
    spec: {
      en: '1.4-inch AMOLED, heart-rate sensor, 5 ATM water resistance',
      zh: '1.4 英寸 AMOLED 屏，心率传感器，5 ATM 防水',
    },
    care: { en: 'fresh water after swimming, then a dry cloth', zh: '游泳后用清水冲洗，再用干布擦干' },
  },
  {
    id: 'drift-backpack',
    en: 'Drift Backpack',
    zh: '漂流背包',
    category: 'bags',
    warrantyMonths: 36,
    spec: {
      en: '24 litres, fits a 16-inch laptop, recycled nylon',
      zh: '24 升，可放 16 英寸笔记本，再生尼龙',
    },
    care: { en: 'a hand wash in cold water with mild soap', zh: '冷水加中性皂液手洗' },
  },
  {
    id: 'breeze-fan',
    en: 'Breeze Fan',
    zh: '微风风扇',
    category: 'appliances',
    warrantyMonths: 24,
    spec: {
      en: '12 speeds, 90° oscillation, 28 dB in night mode',
      zh: '12 档风速，90° 摇头，夜间模式 28 分贝',
    },
    care: { en: 'a soft brush on the grille, with the fan unplugged', zh: '拔掉电源后用软毛刷清理网罩' },
  },
  {
    id: 'pulse-earbuds',
    en: 'Pulse Earbuds',
    zh: '脉冲耳机',
    category: 'audio',
    warrantyMonths: 12,
    battery: { en: '8 hours, 32 hours with the case', zh: '单次 8 小时，配合充电盒共 32 小时' },
    spec: {
      en: 'active noise cancelling, Bluetooth 5.3, USB-C case',
      zh: '主动降噪，蓝牙 5.3，USB-C 充电盒',
    },
    care: { en: 'a dry cotton swab for the mesh, never liquids', zh: '用干棉签清洁滤网，勿用液体' },
  },
  {
    id: 'haven-pillow',
    en: 'Haven Pillow',
    zh: '港湾枕头',
    category: 'bedding',
    warrantyMonths: 24,
    spec: {
      en: 'memory foam, 60 × 40 cm, removable bamboo cover',
      zh: '记忆棉，60 × 40 厘米，可拆洗竹纤维枕套',
    },
    care: {
      en: 'the cover in the machine at 40 °C; air the foam, never wash it',
      zh: '枕套可 40 °C 机洗；枕芯通风晾晒，不可水洗',
    },
  },
  {
    id: 'spark-vacuum',
    en: 'Spark Robot Vacuum',
    zh: '火花扫地机器人',
    category: 'appliances',
    warrantyMonths: 24,
    battery: { en: 'about 120 minutes of cleaning', zh: '约 120 分钟清扫' },
    spec: {
      en: 'lidar mapping, 4000 Pa suction, self-emptying dock',
      zh: '激光导航，4000 帕吸力，自动集尘座',
    },
    care: {
      en: 'empty the bin after each run and rinse the filter weekly',
      zh: '每次清扫后倒空尘盒，每周冲洗滤网',
    },
  },
  {
    id: 'frost-blender',
    en: 'Frost Blender',
    zh: '冰霜搅拌机',
    category: 'kitchen',
    warrantyMonths: 24,
    spec: { en: '1000 W, 1.8-litre glass jar, ice-crush programme', zh: '1000 瓦，1.8 升玻璃杯，碎冰程序' },
    care: {
      en: 'warm water and a drop of washing-up liquid, blended for 30 seconds',
      zh: '加温水和少许洗洁精空转 30 秒',
    },
  },
  {
    id: 'atlas-tent',
    en: 'Atlas Tent',
    zh: '阿特拉斯帐篷',
    category: 'outdoor',
    warrantyMonths: 36,
    spec: {
      en: 'sleeps 3, 2.4 kg, 3000 mm waterproof flysheet',
      zh: '可睡 3 人，2.4 公斤，外帐防水 3000 毫米',
    },
    care: { en: 'drying it fully before you pack it away', zh: '收纳前务必完全晾干' },
  },
  {
    id: 'lumen-camera',
    en: 'Lumen Home Camera',
    zh: '流明家用摄像头',
    category: 'smart-home',
    warrantyMonths: 12,
    spec: { en: '2K video, night vision, two-way audio', zh: '2K 画质，夜视，双向语音' },
    care: { en: 'a lens cloth on the lens, nothing abrasive', zh: '用镜头布擦拭镜头，勿用粗糙物品' },
  },
];
