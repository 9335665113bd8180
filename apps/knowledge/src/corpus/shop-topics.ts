import type { Product } from './shop-products';

// The seed corpus's articles: shop-wide topics written once, and product topics written for every
// product. Each has an English and a simplified Chinese locale, and the questions a customer would ask
// for it (the labelled query set that recall is measured with). Every fact is invented.

export interface Localised {
  title: string;
  body: string;
  tags: string[];
}

export interface Topic {
  key: string;
  category: string;
  audience?: 'public' | 'internal' | 'vip';
  en: Localised;
  zh: Localised;
  /** Questions this article answers, as customers (or agents, for internal ones) put them. */
  queries: { en: string[]; zh: string[] };
}

export interface ProductTopic {
  key: string;
  en: (p: Product) => Localised;
  zh: (p: Product) => Localised;
  queries: { en: (p: Product) => string; zh: (p: Product) => string };
}

const t = (title: string, body: string, tags: string[]): Localised => ({ title, body, tags });

export const SHOP_TOPICS: readonly Topic[] = [
  {
    key: 'returns-policy',
    category: 'returns',
    en: t(
      'Returns policy: 30 days, free of charge',
      'You can return most items within **30 days** of delivery. The item must be unused and in its original packaging.\n\nStart the return from *My orders*; we email you a prepaid label. Opened earbuds and pillows can only be returned if faulty, for hygiene reasons.',
      ['returns', 'policy'],
    ),
    zh: t(
      '退货政策：30 天免费退货',
      '大部分商品可在签收后 **30 天**内退货，商品需未使用且包装完好。\n\n在“我的订单”中发起退货，我们会发送预付运单。出于卫生原因，已拆封的耳机和枕头仅在有质量问题时可退。',
      ['退货', '政策'],
    ),
    queries: {
      en: ['how many days do I have to return something', 'can I send back an item I bought'],
      zh: ['退货期限是多久', '买的东西可以退吗'],
    },
  },
  {
    key: 'refund-timing',
    category: 'returns',
    en: t(
      'When will I get my refund?',
      'Once the warehouse receives your return we check it within 2 working days. The refund then goes back to the original payment method: cards take 3–5 working days, WeChat Pay and Alipay usually 1 day.',
      ['refund', 'returns'],
    ),
    zh: t(
      '退款多久到账？',
      '仓库收到退货后会在 2 个工作日内完成检验，随后原路退款：银行卡需 3–5 个工作日，微信支付和支付宝通常 1 天内到账。',
      ['退款', '到账'],
    ),
    queries: {
      en: ['refund not received yet', 'how long does a refund take'],
      zh: ['退款什么时候到账', '退款还没收到'],
    },
  },
  {
    key: 'shipping-fees',
    category: 'delivery',
    en: t(
      'Delivery costs',
      'Standard delivery is free on orders over ¥199 and costs ¥10 below that. Express delivery costs ¥25 and arrives the next working day in most cities.',
      ['delivery', 'fees', 'shipping'],
    ),
    zh: t(
      '运费说明',
      '订单满 199 元免运费，不满 199 元收取 10 元运费。快递加急 25 元，大部分城市次个工作日送达。',
      ['运费', '配送'],
    ),
    queries: { en: ['is shipping free', 'how much is express delivery'], zh: ['运费多少钱', '满多少包邮'] },
  },
  {
    key: 'delivery-times',
    category: 'delivery',
    en: t(
      'How long does delivery take?',
      'Orders placed before 4 pm ship the same day. Standard delivery takes 2–4 working days; remote areas can take up to 7.',
      ['delivery', 'times'],
    ),
    zh: t('配送需要多长时间？', '下午 4 点前下单当天发货。普通配送 2–4 个工作日送达，偏远地区最多 7 天。', [
      '配送',
      '时效',
    ]),
    queries: {
      en: ['when will my order arrive', 'delivery time for standard shipping'],
      zh: ['几天能到货', '下单后多久发货'],
    },
  },
  {
    key: 'order-tracking',
    category: 'delivery',
    en: t(
      'Track your order',
      'Open *My orders* and choose **Track**. The tracking number appears as soon as the courier collects the parcel, usually the evening of the shipping day.',
      ['tracking', 'delivery'],
    ),
    zh: t('查询物流信息', '打开“我的订单”，点击 **查看物流**。快递揽收后即显示运单号，通常在发货当天晚上。', [
      '物流',
      '查询',
    ]),
    queries: {
      en: ['where is my parcel', 'tracking number for my order'],
      zh: ['我的快递到哪了', '怎么查物流'],
    },
  },
  {
    key: 'change-address',
    category: 'orders',
    en: t(
      'Change the delivery address',
      'You can change the address in *My orders* until the order ships. After that, ask the courier to redirect the parcel using the tracking link.',
      ['address', 'orders'],
    ),
    zh: t('修改收货地址', '订单发货前可在“我的订单”中修改地址。发货后请通过物流链接联系快递改派。', [
      '地址',
      '订单',
    ]),
    queries: {
      en: ['I moved and need to update the shipping address', 'wrong address on my order'],
      zh: ['怎么改收货地址', '地址填错了'],
    },
  },
  {
    key: 'cancel-order',
    category: 'orders',
    en: t(
      'Cancel an order',
      'Orders that have not shipped can be cancelled in *My orders* with **Cancel order**; the money is refunded at once. A shipped order can be refused at the door or returned.',
      ['cancel', 'orders'],
    ),
    zh: t(
      '取消订单',
      '未发货的订单可在“我的订单”中点击 **取消订单**，款项立即原路退回。已发货订单可拒收或退货。',
      ['取消', '订单'],
    ),
    queries: {
      en: ['how do I cancel my purchase', 'cancel order before shipping'],
      zh: ['怎么取消订单', '不想要了能取消吗'],
    },
  },
  {
    key: 'payment-methods',
    category: 'payment',
    en: t(
      'Ways to pay',
      'We accept WeChat Pay, Alipay, UnionPay, Visa and Mastercard. Business customers can pay by bank transfer on invoice.',
      ['payment'],
    ),
    zh: t('支付方式', '支持微信支付、支付宝、银联、Visa 和万事达卡。企业客户可凭发票银行转账。', ['支付']),
    queries: {
      en: ['can I pay with alipay', 'which cards do you accept'],
      zh: ['可以用支付宝付款吗', '支持哪些付款方式'],
    },
  },
  {
    key: 'payment-failed',
    category: 'payment',
    en: t(
      'My payment failed',
      'A failed payment is never charged. Check the card limit or try another method; if money left your account, it returns within 3 working days.',
      ['payment', 'failed'],
    ),
    zh: t(
      '支付失败怎么办',
      '支付失败不会扣款。请检查银行卡限额或更换支付方式；如已扣款，将在 3 个工作日内退回。',
      ['支付', '失败'],
    ),
    queries: {
      en: ['payment declined at checkout', 'charged but order failed'],
      zh: ['付款失败', '扣款了但订单没成功'],
    },
  },
  {
    key: 'invoices',
    category: 'payment',
    en: t(
      'Request an invoice (fapiao)',
      'Electronic invoices are issued automatically 7 days after delivery. To add a company name and tax number, edit the invoice details in *My orders* before then.',
      ['invoice', 'fapiao'],
    ),
    zh: t(
      '申请发票',
      '电子发票在签收 7 天后自动开具。如需填写公司抬头和税号，请在此之前于“我的订单”中修改发票信息。',
      ['发票', '开票'],
    ),
    queries: {
      en: ['I need a company invoice', 'how to get a fapiao'],
      zh: ['怎么开发票', '发票抬头写公司'],
    },
  },
  {
    key: 'coupons',
    category: 'promotions',
    en: t(
      'Using coupons',
      'Enter the coupon code at checkout. One coupon per order; coupons cannot be combined with member prices and expire on the date shown.',
      ['coupon', 'discount'],
    ),
    zh: t('优惠券使用说明', '结算时输入优惠码。每单限用一张，不与会员价同享，过期作废。', ['优惠券', '折扣']),
    queries: {
      en: ['my discount code does not work', 'can I use two coupons'],
      zh: ['优惠券怎么用', '优惠码用不了'],
    },
  },
  {
    key: 'gift-cards',
    category: 'promotions',
    en: t(
      'Gift cards',
      'Gift cards are valid for 3 years and can pay for part or all of an order. The balance is shown in *My wallet*. Gift cards cannot be exchanged for cash.',
      ['gift card'],
    ),
    zh: t('礼品卡', '礼品卡有效期 3 年，可支付部分或全部订单金额，余额在“我的钱包”查看，不可兑换现金。', [
      '礼品卡',
    ]),
    queries: {
      en: ['gift card balance', 'how long is a gift card valid'],
      zh: ['礼品卡余额怎么查', '礼品卡有效期'],
    },
  },
  {
    key: 'price-adjustment',
    category: 'promotions',
    en: t(
      'Price dropped after I bought',
      'If the price of an item drops within 7 days of your order, we refund the difference once. Ask through *My orders* → **Price protection**.',
      ['price', 'refund'],
    ),
    zh: t(
      '买完降价了怎么办',
      '下单 7 天内商品降价，可申请一次差价退款。请在“我的订单”→ **价格保护** 中申请。',
      ['价保', '降价'],
    ),
    queries: {
      en: ['price went down after my purchase', 'price protection'],
      zh: ['刚买就降价', '价格保护怎么申请'],
    },
  },
  {
    key: 'international-shipping',
    category: 'delivery',
    en: t(
      'Shipping abroad',
      'We ship to Hong Kong, Macao, Taiwan, Singapore and Malaysia. International delivery takes 5–10 working days and costs from ¥80.',
      ['international', 'shipping'],
    ),
    zh: t('海外配送', '可配送至香港、澳门、台湾、新加坡和马来西亚，时效 5–10 个工作日，运费 80 元起。', [
      '海外',
      '国际配送',
    ]),
    queries: {
      en: ['do you deliver to singapore', 'international shipping cost'],
      zh: ['能寄到香港吗', '海外运费'],
    },
  },
  {
    key: 'customs-duties',
    category: 'delivery',
    en: t(
      'Customs and import duties',
      'Deliveries outside the mainland may be charged import duties by the destination. We declare the real value; duties are paid by the recipient.',
      ['customs', 'duties', 'international'],
    ),
    zh: t('关税说明', '中国大陆以外的订单可能被目的地征收进口关税，我们如实申报，关税由收件人支付。', [
      '关税',
      '海关',
    ]),
    queries: { en: ['who pays import tax', 'customs fee on delivery'], zh: ['关税谁付', '海关收费'] },
  },
  {
    key: 'damaged-item',
    category: 'returns',
    en: t(
      'An item arrived damaged',
      'Take a photo of the item and the box and report it in *My orders* within 48 hours. We send a replacement at once and collect the damaged one.',
      ['damaged', 'broken', 'replacement'],
    ),
    zh: t(
      '收到的商品破损',
      '请在 48 小时内拍下商品和外箱照片，在“我的订单”中反馈。我们会立即补发，并上门取回破损商品。',
      ['破损', '补发'],
    ),
    queries: {
      en: ['my order arrived broken', 'package was damaged in delivery'],
      zh: ['快递破损怎么办', '收到的东西坏了'],
    },
  },
  {
    key: 'missing-item',
    category: 'orders',
    en: t(
      'Something is missing from my parcel',
      'Large orders may come in several parcels: check *Track* first. If all parcels arrived and an item is missing, tell us within 7 days and we send it.',
      ['missing', 'parcel'],
    ),
    zh: t(
      '包裹里少了商品',
      '大订单可能分多个包裹发出，请先查看物流。如全部包裹已签收仍有缺件，请在 7 天内联系我们补发。',
      ['缺件', '漏发'],
    ),
    queries: {
      en: ['an item is missing from the box', 'only received part of my order'],
      zh: ['少发了一件', '包裹里缺东西'],
    },
  },
  {
    key: 'wrong-item',
    category: 'orders',
    en: t(
      'I received the wrong item',
      'Sorry about that. Report it in *My orders*; we send the right item straight away and a free return label for the wrong one.',
      ['wrong item', 'exchange'],
    ),
    zh: t(
      '收到的商品发错了',
      '非常抱歉。请在“我的订单”中反馈，我们会立即发出正确商品，并提供免费退回错发商品的运单。',
      ['发错', '换货'],
    ),
    queries: {
      en: ['you sent me the wrong product', 'received a different colour than I ordered'],
      zh: ['发错货了', '颜色发错了'],
    },
  },
  {
    key: 'pre-orders',
    category: 'orders',
    en: t(
      'Pre-orders',
      'A pre-order is charged when you place it and ships on the date on the product page. You can cancel a pre-order for free until it ships.',
      ['pre-order'],
    ),
    zh: t('预售商品说明', '预售商品下单即付款，按商品页标注日期发货，发货前可免费取消。', ['预售']),
    queries: {
      en: ['when does my pre-order ship', 'cancel a pre-order'],
      zh: ['预售什么时候发货', '预售可以取消吗'],
    },
  },
  {
    key: 'stock-alerts',
    category: 'orders',
    en: t(
      'Out of stock: get notified',
      'Choose **Notify me** on the product page and we message you in the app or on WeChat when it is back in stock.',
      ['stock', 'notification'],
    ),
    zh: t('缺货到货提醒', '在商品页点击 **到货通知**，补货后我们会通过 App 或微信通知您。', [
      '缺货',
      '到货提醒',
    ]),
    queries: {
      en: ['item sold out when will it be back', 'restock notification'],
      zh: ['缺货什么时候补货', '到货通知'],
    },
  },
  {
    key: 'store-pickup',
    category: 'delivery',
    en: t(
      'Collect in store',
      'Choose **Pick up in store** at checkout. We message you when the order is ready, usually within 2 hours; it waits for you for 7 days.',
      ['pickup', 'store'],
    ),
    zh: t('门店自提', '结算时选择 **门店自提**，备货完成后（通常 2 小时内）我们会通知您，订单保留 7 天。', [
      '自提',
      '门店',
    ]),
    queries: {
      en: ['can I pick up my order in a shop', 'click and collect'],
      zh: ['可以到店自提吗', '门店取货'],
    },
  },
  {
    key: 'parcel-lockers',
    category: 'delivery',
    en: t(
      'Delivery to a parcel locker',
      'Pick a parcel locker as the delivery address. You get a pickup code by text; the parcel stays in the locker for 48 hours.',
      ['locker', 'delivery'],
    ),
    zh: t('快递柜配送', '可选择快递柜作为收货地址，取件码将以短信发送，包裹在柜中保留 48 小时。', [
      '快递柜',
      '取件码',
    ]),
    queries: {
      en: ['deliver to a locker', 'lost my locker pickup code'],
      zh: ['能送到快递柜吗', '取件码丢了'],
    },
  },
  {
    key: 'installation-service',
    category: 'services',
    en: t(
      'Installation service',
      'For fans, vacuums and cameras we offer home installation for ¥99 in 40 cities. Book it at checkout or within 30 days of delivery.',
      ['installation', 'service'],
    ),
    zh: t(
      '上门安装服务',
      '风扇、扫地机器人和摄像头在 40 个城市提供 99 元上门安装，可在结算时或签收后 30 天内预约。',
      ['安装', '上门'],
    ),
    queries: {
      en: ['can someone install it for me', 'home installation price'],
      zh: ['可以上门安装吗', '安装费多少'],
    },
  },
  {
    key: 'password-reset',
    category: 'account',
    en: t(
      'Reset your password',
      'Choose **Forgot password** on the sign-in page and enter your phone number or email. The reset link is valid for 30 minutes.',
      ['account', 'password', 'login'],
    ),
    zh: t('重置密码', '在登录页点击 **忘记密码**，输入手机号或邮箱，重置链接 30 分钟内有效。', [
      '账户',
      '密码',
      '登录',
    ]),
    queries: {
      en: ['forgot my password', 'cannot log in to my account'],
      zh: ['忘记密码了', '账号登录不上'],
    },
  },
  {
    key: 'change-contact-details',
    category: 'account',
    en: t(
      'Change your phone number or email',
      'Go to *Account* → *Security*. We confirm the change with a code sent to the new number or address.',
      ['account', 'phone', 'email'],
    ),
    zh: t('更换手机号或邮箱', '进入“账户”→“安全设置”，我们会向新号码或邮箱发送验证码确认。', [
      '账户',
      '手机号',
      '邮箱',
    ]),
    queries: {
      en: ['update my email address', 'new phone number on my account'],
      zh: ['怎么换绑手机号', '修改邮箱'],
    },
  },
  {
    key: 'delete-account',
    category: 'account',
    en: t(
      'Delete your account and data',
      'You can delete your account in *Account* → *Privacy*. We erase your personal data within 30 days; invoices are kept as the law requires, without your name.',
      ['account', 'privacy', 'delete'],
    ),
    zh: t(
      '注销账户与删除数据',
      '可在“账户”→“隐私”中注销账户。我们将在 30 天内删除您的个人数据，发票按法律要求保留但不含姓名。',
      ['注销', '隐私'],
    ),
    queries: {
      en: ['close my account permanently', 'erase my personal data'],
      zh: ['怎么注销账号', '删除我的个人信息'],
    },
  },
  {
    key: 'membership-tiers',
    category: 'membership',
    en: t(
      'Membership tiers',
      'Members are Standard, Silver, Gold or Platinum by what they spent in the last 12 months. Gold and Platinum members get free express delivery and a personal service line.',
      ['membership', 'vip'],
    ),
    zh: t(
      '会员等级',
      '会员按近 12 个月消费分为普通、银卡、金卡和白金卡。金卡和白金卡会员享免费加急配送和专属客服热线。',
      ['会员', '等级'],
    ),
    queries: {
      en: ['how do I become a gold member', 'membership benefits'],
      zh: ['会员等级怎么升级', '金卡会员有什么权益'],
    },
  },
  {
    key: 'points',
    category: 'membership',
    en: t(
      'Points',
      'Every ¥1 spent earns 1 point; 100 points are worth ¥1 at checkout. Points expire at the end of the following year.',
      ['points', 'membership'],
    ),
    zh: t('积分规则', '每消费 1 元得 1 积分，100 积分可抵 1 元。积分于次年年底过期。', ['积分', '会员']),
    queries: {
      en: ['how do loyalty points work', 'when do my points expire'],
      zh: ['积分怎么用', '积分什么时候过期'],
    },
  },
  {
    key: 'data-export',
    category: 'account',
    en: t(
      'Download your data',
      'In *Account* → *Privacy* choose **Download my data**. We prepare a file with your orders, conversations and preferences within 48 hours.',
      ['privacy', 'data'],
    ),
    zh: t(
      '下载个人数据',
      '在“账户”→“隐私”中点击 **下载我的数据**，我们将在 48 小时内准备好包含订单、会话和偏好的文件。',
      ['隐私', '数据'],
    ),
    queries: {
      en: ['get a copy of my personal data', 'export my order history'],
      zh: ['导出我的数据', '下载个人信息'],
    },
  },
  {
    key: 'service-hours',
    category: 'contact',
    en: t(
      'Contact us: hours and channels',
      'Our team answers chat, WeChat and email from 8 am to 10 pm every day, and the phone line from 9 am to 6 pm on working days.',
      ['contact', 'hours', 'support'],
    ),
    zh: t(
      '联系我们：服务时间与渠道',
      '在线客服、微信和邮件每天 8:00–22:00 回复，电话客服工作日 9:00–18:00。',
      ['联系', '客服', '时间'],
    ),
    queries: {
      en: ['customer service opening hours', 'how can I talk to support'],
      zh: ['客服几点上班', '怎么联系客服'],
    },
  },
  {
    key: 'wechat-binding',
    category: 'account',
    en: t(
      'Link your WeChat',
      'Follow our WeChat official account and choose *Me* → *Link account*. Your orders and messages then appear in WeChat too.',
      ['wechat', 'account'],
    ),
    zh: t('绑定微信', '关注流明商店微信公众号，点击“我的”→“绑定账户”，即可在微信中查看订单和消息。', [
      '微信',
      '绑定',
    ]),
    queries: {
      en: ['connect my account to wechat', 'wechat official account orders'],
      zh: ['怎么绑定微信', '公众号查订单'],
    },
  },
  {
    key: 'app-notifications',
    category: 'account',
    en: t(
      'App notifications',
      'Choose which messages you get in *Account* → *Notifications*: order updates are always on, offers are off until you switch them on.',
      ['app', 'notifications'],
    ),
    zh: t('App 消息通知', '在“账户”→“通知设置”中选择接收的消息：订单通知始终开启，优惠消息默认关闭。', [
      'App',
      '通知',
    ]),
    queries: {
      en: ['too many push messages', 'turn off offers in the app'],
      zh: ['关闭App推送', '不想收到优惠消息'],
    },
  },
  {
    key: 'student-discount',
    category: 'promotions',
    en: t(
      'Student discount',
      'Students get 10% off once verified with a student card in *Account* → *Verification*. The discount renews every school year.',
      ['student', 'discount'],
    ),
    zh: t('学生优惠', '在“账户”→“身份认证”中上传学生证认证后享 9 折，每学年需重新认证。', ['学生', '优惠']),
    queries: {
      en: ['do you have a student discount', 'verify student status'],
      zh: ['学生有折扣吗', '学生认证'],
    },
  },
  {
    key: 'business-orders',
    category: 'orders',
    en: t(
      'Business and bulk orders',
      'For 20 units or more, our business team offers volume prices, invoices on account and scheduled delivery. Write to business@lumen.example.',
      ['business', 'bulk'],
    ),
    zh: t(
      '企业采购与批量订单',
      '单品 20 件以上可享企业批量价、月结发票和定时配送，请联系企业团队 business@lumen.example。',
      ['企业', '批量'],
    ),
    queries: { en: ['buy 50 units for my company', 'volume pricing'], zh: ['公司批量采购', '企业团购价格'] },
  },
  {
    key: 'trade-in',
    category: 'services',
    en: t(
      'Trade in your old device',
      'Trade in an old speaker, watch, earbuds or vacuum of any brand and get a voucher of up to ¥300 towards a new one. The courier collects it for free.',
      ['trade-in', 'recycling'],
    ),
    zh: t(
      '以旧换新',
      '任意品牌的旧音箱、手表、耳机或扫地机均可以旧换新，最高抵扣 300 元，快递免费上门取件。',
      ['以旧换新', '回收'],
    ),
    queries: { en: ['recycle my old earbuds', 'trade in discount'], zh: ['以旧换新怎么算', '旧手表回收'] },
  },
  {
    key: 'return-shipping-insurance',
    category: 'returns',
    en: t(
      'Return shipping insurance',
      'Orders with return shipping insurance get the cost of sending a return refunded automatically, up to ¥15, whatever the reason for the return.',
      ['returns', 'insurance', 'shipping'],
    ),
    zh: t('退货运费险', '购买了退货运费险的订单，无论退货原因，退货运费将自动理赔，最高 15 元。', [
      '退货',
      '运费险',
    ]),
    queries: {
      en: ['who pays postage for a return', 'return shipping insurance claim'],
      zh: ['退货运费谁出', '运费险怎么理赔'],
    },
  },
  {
    key: 'exchange-size-colour',
    category: 'returns',
    en: t(
      'Exchange for another size or colour',
      'Choose **Exchange** in *My orders*. We ship the new size or colour as soon as the courier collects the first one.',
      ['exchange', 'size', 'colour'],
    ),
    zh: t('换尺码或颜色', '在“我的订单”中选择 **换货**，快递取走原商品后我们立即发出新的尺码或颜色。', [
      '换货',
      '尺码',
      '颜色',
    ]),
    queries: {
      en: ['swap for a different colour', 'exchange the size'],
      zh: ['可以换颜色吗', '尺码不合适换货'],
    },
  },
  {
    key: 'split-parcels',
    category: 'delivery',
    en: t(
      'My order came in several parcels',
      'Items from different warehouses ship separately at no extra cost. Each parcel has its own tracking number in *My orders*.',
      ['parcels', 'delivery'],
    ),
    zh: t(
      '订单分多个包裹发出',
      '不同仓库的商品会分开发货，不额外收费，每个包裹在“我的订单”中都有单独的运单号。',
      ['分包', '配送'],
    ),
    queries: {
      en: ['why did I get two packages', 'order shipped separately'],
      zh: ['为什么分开发货', '收到两个包裹'],
    },
  },
  {
    key: 'delivery-signature',
    category: 'delivery',
    en: t(
      'Signing for a delivery',
      'Orders over ¥2000 need a signature. If you are out, the courier tries again the next day or leaves a note to collect it nearby.',
      ['signature', 'delivery'],
    ),
    zh: t('签收说明', '2000 元以上订单需本人签收。如不在家，快递员次日再次派送或留言通知到附近网点自取。', [
      '签收',
      '配送',
    ]),
    queries: {
      en: ['I was not home for the delivery', 'does someone need to sign'],
      zh: ['快递来时不在家', '需要本人签收吗'],
    },
  },
  {
    key: 'holiday-shipping',
    category: 'delivery',
    en: t(
      'Delivery around public holidays',
      'During Spring Festival and the National Day week, orders ship from the first working day after the holiday. Express is not available then.',
      ['holiday', 'delivery'],
    ),
    zh: t('节假日发货安排', '春节和国庆期间的订单将于节后首个工作日发货，期间暂停加急配送。', [
      '节假日',
      '发货',
    ]),
    queries: {
      en: ['shipping during spring festival', 'holiday delivery delays'],
      zh: ['春节发货吗', '国庆期间快递'],
    },
  },
  {
    key: 'agent-chargebacks',
    category: 'agent-handbook',
    audience: 'internal',
    en: t(
      'Handling a chargeback (agents)',
      'Never refund an order that has an open chargeback: the bank returns the money itself. Tag the ticket `chargeback`, attach the delivery proof, and pass it to the payments group.',
      ['chargeback', 'payments', 'agents'],
    ),
    zh: t(
      '拒付处理（客服内部）',
      '存在拒付的订单切勿再次退款，银行会自行退回款项。请为工单添加 `chargeback` 标签，附上签收凭证，并转交支付组。',
      ['拒付', '支付', '内部'],
    ),
    queries: {
      en: ['customer opened a chargeback', 'bank dispute on order'],
      zh: ['客户申请拒付', '银行争议处理'],
    },
  },
  {
    key: 'agent-refund-limits',
    category: 'agent-handbook',
    audience: 'internal',
    en: t(
      'Refund approval limits (agents)',
      'Agents may refund up to ¥500 without approval, supervisors up to ¥5000. Above that, escalate to the finance group with the order number.',
      ['refund', 'approval', 'agents'],
    ),
    zh: t(
      '退款审批权限（客服内部）',
      '客服可直接退款 500 元以内，主管 5000 元以内，超出需附订单号升级至财务组。',
      ['退款', '审批', '内部'],
    ),
    queries: {
      en: ['how much can I refund without approval', 'refund limit for supervisors'],
      zh: ['退款审批额度', '超过多少要审批'],
    },
  },
  {
    key: 'agent-goodwill',
    category: 'agent-handbook',
    audience: 'internal',
    en: t(
      'Goodwill vouchers (agents)',
      'For a late delivery of more than 3 days, offer a ¥20 voucher once per order. Record it on the ticket with the tag `goodwill`.',
      ['voucher', 'goodwill', 'agents'],
    ),
    zh: t(
      '补偿券发放规则（客服内部）',
      '配送延误超过 3 天，每单可发放一次 20 元补偿券，并在工单上添加 `goodwill` 标签。',
      ['补偿', '内部'],
    ),
    queries: {
      en: ['compensation for late delivery', 'goodwill voucher rules'],
      zh: ['延误补偿券', '补偿标准'],
    },
  },
  {
    key: 'vip-priority-line',
    category: 'membership',
    audience: 'vip',
    en: t(
      'Your priority service line',
      'As a Gold or Platinum member you reach a named advisor on the priority line 400-888-0199 from 8 am to midnight, and your returns are collected from your door.',
      ['vip', 'priority', 'service'],
    ),
    zh: t(
      '专属优先服务热线',
      '金卡和白金卡会员可拨打优先热线 400-888-0199（8:00–24:00）联系专属顾问，退货可享上门取件。',
      ['会员', '专属', '热线'],
    ),
    queries: {
      en: ['priority phone line for gold members', 'personal advisor'],
      zh: ['金卡专属热线', '专属顾问电话'],
    },
  },
  {
    key: 'vip-early-access',
    category: 'membership',
    audience: 'vip',
    en: t(
      'Early access to new products',
      'Platinum members can order new products 48 hours before everyone else. The date is announced in the app and on WeChat.',
      ['vip', 'early access', 'launch'],
    ),
    zh: t('新品优先购', '白金卡会员可比其他用户提前 48 小时购买新品，开售时间在 App 和微信公众号公布。', [
      '会员',
      '新品',
      '优先购',
    ]),
    queries: {
      en: ['buy new products before launch', 'early access for platinum'],
      zh: ['新品提前购买', '白金会员优先购'],
    },
  },
];

const spec = (p: Product) => p.spec;

export const PRODUCT_TOPICS: readonly ProductTopic[] = [
  {
    key: 'setup',
    en: (p) =>
      t(
        `Set up your ${p.en}`,
        `Unpack the ${p.en} and remove every protective film. Plug it in or charge it fully before the first use, then follow the quick-start card in the box. Register it in the Lumen app to start the ${p.warrantyMonths}-month warranty from the day of delivery.`,
        ['setup', 'first use'],
      ),
    zh: (p) =>
      t(
        `${p.zh}首次使用设置`,
        `拆开${p.zh}包装并撕掉所有保护膜。首次使用前请接通电源或充满电，然后按照盒内快速入门卡操作。在流明 App 中注册产品，即可从签收之日起享受 ${p.warrantyMonths} 个月保修。`,
        ['设置', '首次使用'],
      ),
    queries: { en: (p) => `how to set up the ${p.en.toLowerCase()}`, zh: (p) => `${p.zh}怎么设置` },
  },
  {
    key: 'warranty',
    en: (p) =>
      t(
        `${p.en} warranty`,
        `The ${p.en} has a ${p.warrantyMonths}-month warranty from delivery. It covers faults in materials and workmanship, not wear, drops or water damage beyond the rating. Keep the order number: it is your proof of purchase.`,
        ['warranty', 'guarantee'],
      ),
    zh: (p) =>
      t(
        `${p.zh}保修说明`,
        `${p.zh}自签收起保修 ${p.warrantyMonths} 个月，涵盖材料和做工缺陷，不包括正常磨损、跌落及超出防护等级的进水。请保留订单号作为购买凭证。`,
        ['保修', '质保'],
      ),
    queries: { en: (p) => `is my ${p.en.toLowerCase()} still under warranty`, zh: (p) => `${p.zh}保修多久` },
  },
  {
    key: 'care',
    en: (p) =>
      t(
        `Clean and care for your ${p.en}`,
        `Clean the ${p.en} with ${p.care.en}. Avoid solvents and abrasive sponges. Regular care keeps it working and keeps the warranty valid.`,
        ['cleaning', 'care'],
      ),
    zh: (p) =>
      t(
        `${p.zh}清洁与保养`,
        `请使用${p.care.zh}清洁${p.zh}，避免使用溶剂和粗糙的海绵。定期保养可延长使用寿命，并保证保修有效。`,
        ['清洁', '保养'],
      ),
    queries: { en: (p) => `clean my ${p.en.toLowerCase()}`, zh: (p) => `${p.zh}怎么清洗` },
  },
  {
    key: 'no-power',
    en: (p) =>
      t(
        `${p.en} does not turn on`,
        `First check the power: try another socket or charge it for 30 minutes. Then hold the power button for 10 seconds to restart it. If the ${p.en} still does not start, book a repair: it is covered by the warranty.`,
        ['troubleshooting', 'power'],
      ),
    zh: (p) =>
      t(
        `${p.zh}无法开机`,
        `请先检查电源：更换插座或充电 30 分钟。然后长按电源键 10 秒重启。如${p.zh}仍无法开机，请预约维修，保修期内免费。`,
        ['故障', '开机'],
      ),
    queries: { en: (p) => `${p.en.toLowerCase()} won't switch on`, zh: (p) => `${p.zh}开不了机` },
  },
  {
    key: 'return',
    en: (p) =>
      t(
        `Return a ${p.en}`,
        `You can return the ${p.en} within 30 days if it is unused and complete with its accessories. Start the return in *My orders*; pack every part that came in the box.`,
        ['returns'],
      ),
    zh: (p) =>
      t(
        `${p.zh}退货`,
        `${p.zh}在未使用且配件齐全的情况下，签收后 30 天内可退货。请在“我的订单”中发起退货，并将盒内所有配件一并寄回。`,
        ['退货'],
      ),
    queries: { en: (p) => `send back the ${p.en.toLowerCase()}`, zh: (p) => `${p.zh}能退吗` },
  },
  {
    key: 'spare-parts',
    en: (p) =>
      t(
        `Spare parts for the ${p.en}`,
        `Chargers, cables, covers and other spare parts for the ${p.en} are sold on its product page under **Accessories**. We keep spare parts for at least 5 years after the last sale.`,
        ['spare parts', 'accessories'],
      ),
    zh: (p) =>
      t(
        `${p.zh}配件与备件`,
        `${p.zh}的充电器、线材、外壳等配件可在商品页 **配件** 栏购买。停售后备件至少供应 5 年。`,
        ['配件', '备件'],
      ),
    queries: {
      en: (p) => `buy a replacement part for ${p.en.toLowerCase()}`,
      zh: (p) => `${p.zh}配件在哪买`,
    },
  },
  {
    key: 'specifications',
    en: (p) =>
      t(
        `${p.en} specifications`,
        `The ${p.en} in numbers: ${spec(p).en}. The full data sheet is on the product page.`,
        ['specifications'],
      ),
    zh: (p) =>
      t(`${p.zh}规格参数`, `${p.zh}主要参数：${spec(p).zh}。完整参数表见商品详情页。`, ['参数', '规格']),
    queries: { en: (p) => `${p.en.toLowerCase()} technical specs`, zh: (p) => `${p.zh}参数` },
  },
  {
    key: 'battery',
    en: (p) =>
      t(
        p.battery ? `${p.en} battery and charging` : `${p.en} power supply`,
        p.battery
          ? `A full charge gives ${p.battery.en}. Use the cable in the box and a 5 V adapter; a full charge takes about 2 hours. Store it half charged if you will not use it for a month.`
          : `The ${p.en} runs on mains power (220 V). Use the supplied cable only; an extension lead must be rated for the device's power.`,
        p.battery ? ['battery', 'charging'] : ['power'],
      ),
    zh: (p) =>
      t(
        p.battery ? `${p.zh}电池与充电` : `${p.zh}电源说明`,
        p.battery
          ? `充满电可提供${p.battery.zh}。请使用盒内数据线和 5 伏适配器，充满约需 2 小时。长期不用时请保持半电量存放。`
          : `${p.zh}使用 220 伏市电，请仅使用原装电源线；如用插线板，其额定功率需满足设备要求。`,
        p.battery ? ['电池', '充电'] : ['电源'],
      ),
    queries: {
      en: (p) =>
        p.battery ? `how long does the ${p.en.toLowerCase()} battery last` : `${p.en.toLowerCase()} voltage`,
      zh: (p) => (p.battery ? `${p.zh}续航多久` : `${p.zh}用多少伏电`),
    },
  },
  {
    key: 'repair',
    en: (p) =>
      t(
        `Book a repair for your ${p.en}`,
        `Book a repair in *My orders* → **After-sales**. A courier collects the ${p.en} for free; repairs take 5–7 working days. Within the warranty there is nothing to pay.`,
        ['repair', 'after-sales'],
      ),
    zh: (p) =>
      t(
        `${p.zh}预约维修`,
        `在“我的订单”→ **售后服务** 中预约维修，快递免费上门取件，维修周期 5–7 个工作日，保修期内免费。`,
        ['维修', '售后'],
      ),
    queries: { en: (p) => `get my ${p.en.toLowerCase()} repaired`, zh: (p) => `${p.zh}坏了怎么修` },
  },
  {
    key: 'noise',
    en: (p) =>
      t(
        `${p.en} makes a strange noise`,
        `A soft hum is normal. A rattle, click or burning smell is not: switch the ${p.en} off, unplug it and book a repair. Do not open it yourself.`,
        ['noise', 'troubleshooting'],
      ),
    zh: (p) =>
      t(
        `${p.zh}有异响`,
        `轻微嗡嗡声属于正常现象。如有咔哒声、摩擦声或焦味，请立即关闭${p.zh}并断电，预约维修，切勿自行拆机。`,
        ['异响', '故障'],
      ),
    queries: { en: (p) => `${p.en.toLowerCase()} rattling sound`, zh: (p) => `${p.zh}有杂音` },
  },
  {
    key: 'app-connection',
    en: (p) =>
      t(
        `Connect the ${p.en} to the Lumen app`,
        `Open the Lumen app, choose **Add device** and select the ${p.en}. Keep your phone within 2 metres and Bluetooth on. If pairing fails, restart both and try again.`,
        ['app', 'pairing', 'bluetooth'],
      ),
    zh: (p) =>
      t(
        `${p.zh}连接流明 App`,
        `打开流明 App，点击 **添加设备** 并选择${p.zh}。手机与设备保持 2 米以内并开启蓝牙。配对失败时请重启手机和设备后重试。`,
        ['App', '配对', '蓝牙'],
      ),
    queries: { en: (p) => `pair ${p.en.toLowerCase()} with my phone`, zh: (p) => `${p.zh}连不上手机` },
  },
  {
    key: 'safety',
    en: (p) =>
      t(
        `${p.en} safety instructions`,
        `Keep the ${p.en} away from heat sources and out of reach of small children. Use it only as described in the manual, and stop using it if the cable or casing is damaged.`,
        ['safety'],
      ),
    zh: (p) =>
      t(
        `${p.zh}安全使用须知`,
        `请让${p.zh}远离热源，放在儿童接触不到的地方。仅按说明书用途使用，线缆或外壳破损时请停止使用。`,
        ['安全'],
      ),
    queries: { en: (p) => `is the ${p.en.toLowerCase()} safe for children`, zh: (p) => `${p.zh}安全吗` },
  },
  {
    key: 'availability',
    en: (p) =>
      t(
        `${p.en}: stock and dispatch`,
        `The product page shows live stock of the ${p.en} per colour. In-stock items ship the same day before 4 pm; back-ordered colours show their expected date.`,
        ['stock', 'dispatch'],
      ),
    zh: (p) =>
      t(
        `${p.zh}库存与发货`,
        `商品页实时显示${p.zh}各颜色库存。有货商品下午 4 点前下单当天发货；缺货颜色会显示预计到货日期。`,
        ['库存', '发货'],
      ),
    queries: { en: (p) => `${p.en.toLowerCase()} in stock`, zh: (p) => `${p.zh}有货吗` },
  },
  {
    key: 'choose',
    en: (p) =>
      t(
        `Is the ${p.en} right for me?`,
        `The ${p.en} suits everyday use at home. Compare it with others in *${p.category}* on the comparison page, or ask us in chat: we answer in minutes.`,
        ['buying advice', 'compare'],
      ),
    zh: (p) =>
      t(
        `${p.zh}适合我吗？`,
        `${p.zh}适合居家日常使用。可在对比页面与同类商品比较，或在线咨询客服，几分钟内即可回复。`,
        ['选购', '对比'],
      ),
    queries: { en: (p) => `should I buy the ${p.en.toLowerCase()}`, zh: (p) => `${p.zh}值得买吗` },
  },
];
