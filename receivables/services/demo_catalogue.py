"""The catalogue demo data is drawn from: regions, Chinese and English names, trades, titles, projects."""

from __future__ import annotations

from typing import NamedTuple

class Region(NamedTuple):
    code: str
    city: str
    prefix: str
    districts: tuple[str, ...]
    english: str
    area_code: str


REGIONS = tuple(Region(c, city, p, tuple(d.split()), en, area) for c, city, p, d, en, area in (
    ("310000", "上海", "上海市", "浦东新区 徐汇区 闵行区 静安区", "Shanghai", "021"),
    ("110000", "北京", "北京市", "朝阳区 海淀区 丰台区 大兴区", "Beijing", "010"),
    ("120000", "天津", "天津市", "滨海新区 和平区 西青区", "Tianjin", "022"),
    ("500000", "重庆", "重庆市", "渝中区 江北区 九龙坡区", "Chongqing", "023"),
    ("320100", "南京", "江苏省南京市", "鼓楼区 江宁区 建邺区", "Nanjing", "025"),
    ("320200", "无锡", "江苏省无锡市", "梁溪区 新吴区 滨湖区", "Wuxi", "0510"),
    ("320500", "苏州", "江苏省苏州市", "工业园区 姑苏区 吴中区 相城区", "Suzhou", "0512"),
    ("330100", "杭州", "浙江省杭州市", "西湖区 滨江区 余杭区 萧山区", "Hangzhou", "0571"),
    ("330200", "宁波", "浙江省宁波市", "鄞州区 海曙区 北仑区", "Ningbo", "0574"),
    ("340100", "合肥", "安徽省合肥市", "蜀山区 包河区 庐阳区", "Hefei", "0551"),
    ("350200", "厦门", "福建省厦门市", "思明区 湖里区 集美区", "Xiamen", "0592"),
    ("370100", "济南", "山东省济南市", "历下区 槐荫区 市中区", "Jinan", "0531"),
    ("370200", "青岛", "山东省青岛市", "市南区 黄岛区 崂山区", "Qingdao", "0532"),
    ("410100", "郑州", "河南省郑州市", "金水区 二七区 中原区", "Zhengzhou", "0371"),
    ("420100", "武汉", "湖北省武汉市", "江汉区 洪山区 武昌区", "Wuhan", "027"),
    ("430100", "长沙", "湖南省长沙市", "岳麓区 天心区 雨花区", "Changsha", "0731"),
    ("440100", "广州", "广东省广州市", "天河区 越秀区 番禺区 黄埔区", "Guangzhou", "020"),
    ("440300", "深圳", "广东省深圳市", "南山区 福田区 宝安区 龙岗区", "Shenzhen", "0755"),
    ("510100", "成都", "四川省成都市", "武侯区 锦江区 青羊区", "Chengdu", "028"),
    ("610100", "西安", "陕西省西安市", "雁塔区 未央区 碑林区", "Xi'an", "029"),
))


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    return tuple((zh, latin) for zh, latin in (word.split(":") for word in text.split()))


BRANDS = _pairs(
    "恒达:hengda 华东:huadong 宏远:hongyuan 金桥:jinqiao 鑫源:xinyuan 瑞丰:ruifeng 中联:zhonglian "
    "新城:xincheng 远大:yuanda 永盛:yongsheng 嘉信:jiaxin 汇通:huitong 德润:derun 天和:tianhe "
    "博远:boyuan 安泰:antai 盛世:shengshi 九州:jiuzhou 东升:dongsheng 富华:fuhua 明珠:mingzhu "
    "长江:changjiang 万通:wantong 国信:guoxin 隆基:longji 华泰:huatai 建业:jianye 海川:haichuan "
    "正大:zhengda 联创:lianchuang 同济:tongji 锦程:jincheng 百川:baichuan 宝丰:baofeng 信达:xinda "
    "中原:zhongyuan 鸿运:hongyun 立信:lixin 申通:shentong 恒通:hengtong 泰和:taihe 众诚:zhongcheng "
    "天成:tiancheng 华瑞:huarui 金鼎:jinding 弘业:hongye 融创:rongchuang 星河:xinghe"
)
SURNAMES = _pairs(
    "王:wang 李:li 张:zhang 刘:liu 陈:chen 杨:yang 黄:huang 赵:zhao 吴:wu 周:zhou 徐:xu 孙:sun "
    "马:ma 朱:zhu 胡:hu 郭:guo 何:he 高:gao 林:lin 罗:luo 郑:zheng 梁:liang 谢:xie 宋:song 唐:tang 许:xu"
)
GIVEN_NAMES = _pairs(
    "伟:wei 芳:fang 娜:na 敏:min 静:jing 丽:li 强:qiang 磊:lei 军:jun 洋:yang 勇:yong 艳:yan 杰:jie "
    "娟:juan 涛:tao 明:ming 超:chao 华:hua 平:ping 刚:gang 建国:jianguo 志强:zhiqiang 海燕:haiyan "
    "晓东:xiaodong 文博:wenbo 思远:siyuan 子涵:zihan 雨桐:yutong 秀英:xiuying 建华:jianhua 国平:guoping "
    "丽娟:lijuan 俊杰:junjie 晓明:xiaoming 春梅:chunmei 志刚:zhigang 红霞:hongxia 永强:yongqiang"
)
TRADES = {
    "construction": ("建设集团", "建筑工程", "置业", "房地产开发", "路桥工程", "建工"),
    "distribution": ("物流", "商贸", "供应链管理", "机电设备", "电子科技", "贸易"),
    "retail": ("超市", "百货", "连锁商业", "家居建材", "便利店", "电器"),
}
LEGAL_FORMS = ("有限公司", "有限公司", "股份有限公司", "集团有限公司")
INSTITUTIONS = ("市政工程管理处", "城市管理局", "人民医院", "职业技术学院", "公共资源交易中心", "水务局",
                "教育局", "住房和城乡建设局", "交通运输局", "园林绿化管理所", "疾病预防控制中心", "体育中心")
STATE_COMPANIES = ("城市建设投资集团有限公司", "国有资产经营有限公司", "交通投资集团有限公司", "水务集团有限公司")
ENGLISH_BRANDS = ("Pacific Rim", "Golden Bridge", "Silverline", "Northstar", "Harbour View", "Evergreen",
                  "Bluewater", "Orient Star", "Summit", "Meridian", "Crestwood", "Lotus", "Jade River",
                  "Redwood", "Atlas", "Sunrise", "Greenfield", "Kingsway", "Seaview", "Highland")
ENGLISH_TRADES = ("Trading", "Logistics", "Electronics", "Supply Chain", "Industrial", "Retail", "Foods",
                  "Machinery", "Home Furnishing", "Components")
ENGLISH_FORMS = ("Co., Ltd.", "Ltd.", "Limited")
ROADS = ("人民路", "中山路", "解放路", "建设路", "长江路", "黄河路", "和平路", "新华路", "科技路", "工业园路",
         "星湖街", "世纪大道", "滨江大道", "创业路", "金融街", "友谊路")
ENGLISH_ROADS = ("Century Avenue", "Renmin Road", "Zhongshan Road", "Binjiang Avenue", "Science Park Road",
                 "Xinghu Street", "Jianshe Road", "Changjiang Road")
PROJECTS = ("综合楼工程", "厂房建设工程", "道路改造工程", "住宅小区一期工程", "地下管网改造工程",
            "学校教学楼工程", "办公楼装修工程", "物流仓库工程", "医院门诊楼工程", "桥梁加固工程")
SERVICES = ("设备安装与维保服务合同", "运维服务合同", "物业维修服务合同", "技术服务合同")
CONTACT_TITLES = {
    "finance": ("财务经理", "财务总监", "会计", "出纳"),
    "procurement": ("采购经理", "采购专员"),
    "boss": ("总经理", "董事长", "副总经理"),
    "front_desk": ("前台", "行政助理"),
}
