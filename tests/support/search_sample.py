"""A deterministic sample registry of realistic alliances, and the search queries companies type.

Why a generator: the search must be judged on a registry the size of the real one (about 200
alliances) whose texts overlap the way real ones do: many alliances mention 電動車, 半導體 or
智慧 somewhere in their intros, several share a university. ``ANCHORS`` are hand-written
alliances that the relevance queries (``QUERIES``) must find first; the rest are generated
from ``TOPICS`` with varied sentence patterns and deliberately mention the anchors' words as
applications, so a query only finds its alliance first when the ranking is right.

The same generator feeds bench/build.py (``make_sample(1000)``). It uses only ``random.Random``
with a fixed seed: the same ``n`` always gives the same files.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from alliance_portal.registry.profiles import dump_profile

#: (zh-TW, English). The first eight are used by exactly one alliance (anchors only), so a
#: query for the university has one right answer.
UNIVERSITIES = [
    ("國立宜蘭大學", "National Ilan University"),
    ("國立澎湖科技大學", "National Penghu University of Science and Technology"),
    ("國立臺東大學", "National Taitung University"),
    ("國立金門大學", "National Quemoy University"),
    ("國立屏東科技大學", "National Pingtung University of Science and Technology"),
    ("高雄醫學大學", "Kaohsiung Medical University"),
    ("國立虎尾科技大學", "National Formosa University"),
    ("國立聯合大學", "National United University"),
    # Shared by many alliances.
    ("國立臺灣大學", "National Taiwan University"),
    ("國立成功大學", "National Cheng Kung University"),
    ("國立清華大學", "National Tsing Hua University"),
    ("國立陽明交通大學", "National Yang Ming Chiao Tung University"),
    ("國立中興大學", "National Chung Hsing University"),
    ("國立中央大學", "National Central University"),
    ("國立中山大學", "National Sun Yat-sen University"),
    ("國立臺灣科技大學", "National Taiwan University of Science and Technology"),
    ("國立臺北科技大學", "National Taipei University of Technology"),
    ("國立中正大學", "National Chung Cheng University"),
    ("國立高雄科技大學", "National Kaohsiung University of Science and Technology"),
    ("國立雲林科技大學", "National Yunlin University of Science and Technology"),
    ("長庚大學", "Chang Gung University"),
    ("逢甲大學", "Feng Chia University"),
    ("元智大學", "Yuan Ze University"),
    ("中原大學", "Chung Yuan Christian University"),
    ("明志科技大學", "Ming Chi University of Technology"),
    ("國立勤益科技大學", "National Chin-Yi University of Technology"),
    ("南臺科技大學", "Southern Taiwan University of Science and Technology"),
    ("中國醫藥大學", "China Medical University"),
]
SHARED_UNIVERSITIES = UNIVERSITIES[8:]

SURNAMES = [
    ("陳", "Chen"), ("林", "Lin"), ("黃", "Huang"), ("張", "Chang"), ("李", "Lee"),
    ("王", "Wang"), ("吳", "Wu"), ("劉", "Liu"), ("蔡", "Tsai"), ("楊", "Yang"),
    ("許", "Hsu"), ("鄭", "Cheng"), ("謝", "Hsieh"), ("郭", "Kuo"), ("洪", "Hung"),
    ("曾", "Tseng"), ("邱", "Chiu"), ("廖", "Liao"), ("賴", "Lai"), ("周", "Chou"),
]  # fmt: skip
GIVEN = [
    ("志明", "Chih-Ming"), ("淑芬", "Shu-Fen"), ("建宏", "Chien-Hung"), ("雅婷", "Ya-Ting"),
    ("家豪", "Chia-Hao"), ("怡如", "Yi-Ju"), ("俊傑", "Chun-Chieh"), ("美玲", "Mei-Ling"),
    ("冠宇", "Kuan-Yu"), ("佩君", "Pei-Chun"), ("文華", "Wen-Hua"), ("宗翰", "Tsung-Han"),
    ("欣怡", "Hsin-Yi"), ("明德", "Ming-Te"), ("國榮", "Kuo-Jung"), ("秀英", "Hsiu-Ying"),
    ("承恩", "Cheng-En"), ("子涵", "Tzu-Han"), ("振宇", "Chen-Yu"), ("麗華", "Li-Hua"),
]  # fmt: skip

DEPARTMENTS = [
    ("機械工程學系", "Department of Mechanical Engineering"),
    ("電機工程學系", "Department of Electrical Engineering"),
    ("化學工程學系", "Department of Chemical Engineering"),
    ("材料科學與工程學系", "Department of Materials Science and Engineering"),
    ("資訊工程學系", "Department of Computer Science"),
    ("生物醫學工程學系", "Department of Biomedical Engineering"),
    ("土木工程學系", "Department of Civil Engineering"),
    ("食品科學系", "Department of Food Science"),
]


@dataclass(frozen=True)
class Anchor:
    """A hand-written alliance the relevance queries aim at."""

    slug: str
    name: str
    name_en: str
    industry: str
    techs: tuple[str, ...]
    techs_en: tuple[str, ...]
    university: int  # index into UNIVERSITIES
    pi: tuple[str, str]


def _a(slug, name, name_en, industry, techs, techs_en, university, pi) -> Anchor:  # type: ignore[no-untyped-def]
    return Anchor(slug, name, name_en, industry, tuple(techs), tuple(techs_en), university, pi)


ANCHORS = [
    _a("ev-powertrain", "電動車動力系統產學聯盟", "Electric Vehicle Powertrain Alliance", "mechatronics",
       ["電動車", "馬達控制器", "電池管理系統"], ["electric vehicles", "motor controllers", "battery management systems"],
       8, ("蘇柏翰", "Po-Han Su")),
    _a("semi-packaging", "先進半導體封裝產學聯盟", "Advanced Semiconductor Packaging Alliance", "electronics",
       ["半導體封裝", "扇出型晶圓級封裝", "覆晶接合"], ["semiconductor packaging", "fan-out wafer-level packaging", "flip-chip bonding"],
       9, ("葉書豪", "Shu-Hao Yeh")),
    _a("smart-agri", "智慧農業物聯網產學聯盟", "Smart Agriculture IoT Alliance", "ict",
       ["智慧農業", "溫室環控", "土壤感測"], ["smart agriculture", "greenhouse climate control", "soil sensing"],
       4, ("方韻如", "Yun-Ju Fang")),
    _a("precision-motor", "精密馬達設計產學聯盟", "Precision Motor Design Alliance", "mechatronics",
       ["馬達", "伺服驅動器", "永磁同步馬達"], ["motors", "servo drives", "permanent-magnet synchronous motors"],
       6, ("石振華", "Chen-Hua Shih")),
    _a("laser-micro", "雷射精微加工產學聯盟", "Laser Micromachining Alliance", "mechatronics",
       ["雷射加工", "超快雷射", "玻璃切割"], ["laser machining", "ultrafast lasers", "glass cutting"],
       10, ("范姿吟", "Tzu-Yin Fan")),
    _a("aquaculture", "智慧水產養殖產學聯盟", "Smart Aquaculture Alliance", "chemistry",
       ["水產養殖", "循環水養殖", "魚病檢測"], ["aquaculture", "recirculating aquaculture systems", "fish disease testing"],
       1, ("戴啟明", "Chi-Ming Tai")),
    _a("hydrogen", "氫能與燃料電池產學聯盟", "Hydrogen and Fuel Cell Alliance", "civil-energy",
       ["氫能", "燃料電池", "電解產氫"], ["hydrogen energy", "fuel cells", "electrolytic hydrogen production"],
       13, ("鍾怡萱", "Yi-Hsuan Chung")),
    _a("carbon-capture", "碳捕捉與再利用產學聯盟", "Carbon Capture and Utilisation Alliance", "civil-energy",
       ["碳捕捉", "二氧化碳轉化", "淨零排放"], ["carbon capture", "CO2 conversion", "net-zero emissions"],
       17, ("康家瑋", "Chia-Wei Kang")),
    _a("drone", "無人機應用產學聯盟", "Drone Applications Alliance", "ict",
       ["無人機", "航拍測繪", "飛行控制"], ["drones", "aerial mapping", "flight control"],
       3, ("鄧宇軒", "Yu-Hsuan Teng")),
    _a("hearing-aid", "助聽器與聽覺輔具產學聯盟", "Hearing Aids and Assistive Listening Alliance", "biomed",
       ["助聽器", "聽力檢測", "降噪演算法"], ["hearing aids", "hearing tests", "noise-reduction algorithms"],
       5, ("魏靜宜", "Ching-Yi Wei")),
    _a("ortho-implant", "人工關節植入物產學聯盟", "Orthopaedic Implants Alliance", "biomed",
       ["人工關節", "積層製造骨材", "鈦合金"], ["artificial joints", "additively manufactured bone scaffolds", "titanium alloys"],
       20, ("孫立群", "Li-Chun Sun")),
    _a("functional-food", "機能性食品開發產學聯盟", "Functional Foods Alliance", "chemistry",
       ["機能性食品", "益生菌", "保健食品"], ["functional foods", "probiotics", "health supplements"],
       12, ("蕭雅雯", "Ya-Wen Hsiao")),
    _a("cosmetics", "天然化妝品原料產學聯盟", "Natural Cosmetic Ingredients Alliance", "chemistry",
       ["化妝品", "植物萃取", "皮膚保濕"], ["cosmetics", "plant extraction", "skin moisturising"],
       27, ("潘思妤", "Ssu-Yu Pan")),
    _a("textiles", "機能紡織品產學聯盟", "Functional Textiles Alliance", "chemistry",
       ["紡織品", "吸濕排汗", "回收纖維"], ["textiles", "moisture-wicking fabrics", "recycled fibres"],
       21, ("彭俊宏", "Chun-Hung Peng")),
    _a("lidar", "光達感測產學聯盟", "LiDAR Sensing Alliance", "electronics",
       ["光達", "自駕車感測", "飛時測距"], ["LiDAR", "autonomous-driving sensors", "time-of-flight ranging"],
       11, ("簡志豪", "Chih-Hao Chien")),
    _a("micro-led", "微型發光二極體顯示產學聯盟", "Micro LED Display Alliance", "electronics",
       ["MicroLED", "巨量轉移", "顯示面板"], ["MicroLED", "mass transfer", "display panels"],
       11, ("游雅琪", "Ya-Chi Yu")),
    _a("wide-bandgap", "寬能隙功率元件產學聯盟", "Wide-Bandgap Power Devices Alliance", "electronics",
       ["碳化矽", "氮化鎵", "功率元件"], ["silicon carbide", "gallium nitride", "power devices"],
       14, ("詹凱文", "Kai-Wen Chan")),
    _a("private-5g", "5G企業專網產學聯盟", "5G Private Network Alliance", "ict",
       ["5G專網", "邊緣運算", "網路切片"], ["5G private networks", "edge computing", "network slicing"],
       7, ("江宏達", "Hung-Ta Chiang")),
    _a("ics-security", "工控資安產學聯盟", "Industrial Control Security Alliance", "ict",
       ["工控資安", "入侵偵測", "弱點掃描"], ["industrial cybersecurity", "intrusion detection", "vulnerability scanning"],
       15, ("宋哲維", "Che-Wei Sung")),
    _a("ai-inspection", "AI瑕疵檢測產學聯盟", "AI Defect Inspection Alliance", "ict",
       ["瑕疵檢測", "影像辨識", "深度學習"], ["defect inspection", "image recognition", "deep learning"],
       16, ("溫子揚", "Tzu-Yang Wen")),
    _a("cobot", "協作機器人產學聯盟", "Collaborative Robots Alliance", "mechatronics",
       ["協作機器人", "機械手臂", "視覺引導"], ["collaborative robots", "robot arms", "vision guidance"],
       15, ("藍啟宏", "Chi-Hung Lan")),
    _a("bridge-shm", "橋梁結構健康監測產學聯盟", "Bridge Structural Health Monitoring Alliance", "civil-energy",
       ["橋梁監測", "耐震補強", "光纖應變計"], ["bridge monitoring", "seismic retrofitting", "fibre-optic strain gauges"],
       0, ("顏思齊", "Ssu-Chi Yen")),
    _a("perovskite", "鈣鈦礦太陽能電池產學聯盟", "Perovskite Solar Cell Alliance", "civil-energy",
       ["鈣鈦礦", "太陽能電池", "光電轉換效率"], ["perovskite", "solar cells", "power conversion efficiency"],
       13, ("呂欣穎", "Hsin-Ying Lu")),
    _a("wastewater", "工業廢水處理產學聯盟", "Industrial Wastewater Treatment Alliance", "civil-energy",
       ["廢水處理", "薄膜過濾", "重金屬回收"], ["wastewater treatment", "membrane filtration", "heavy-metal recovery"],
       19, ("杜明軒", "Ming-Hsuan Tu")),
    _a("medical-imaging", "醫學影像智慧判讀產學聯盟", "Medical Imaging AI Alliance", "biomed",
       ["醫學影像", "電腦斷層", "輔助診斷"], ["medical imaging", "computed tomography", "computer-aided diagnosis"],
       11, ("程佳穎", "Chia-Ying Cheng")),
    _a("dental", "牙科植體材料產學聯盟", "Dental Implant Materials Alliance", "biomed",
       ["牙科植體", "生醫陶瓷", "表面改質"], ["dental implants", "bioceramics", "surface modification"],
       20, ("龔文彥", "Wen-Yen Kung")),
    _a("cell-therapy", "細胞治療產學聯盟", "Cell Therapy Alliance", "biomed",
       ["細胞治療", "幹細胞", "再生醫學"], ["cell therapy", "stem cells", "regenerative medicine"],
       20, ("傅雅惠", "Ya-Hui Fu")),
    _a("tea", "茶葉加工與風味產學聯盟", "Tea Processing and Flavour Alliance", "chemistry",
       ["茶葉", "烘焙製程", "風味分析"], ["tea", "roasting processes", "flavour analysis"],
       2, ("沈文雄", "Wen-Hsiung Shen")),
    _a("bioplastics", "生物可分解塑膠產學聯盟", "Biodegradable Plastics Alliance", "chemistry",
       ["生物可分解塑膠", "聚乳酸", "環保包材"], ["biodegradable plastics", "polylactic acid", "sustainable packaging"],
       22, ("余家瑜", "Chia-Yu Yu")),
    _a("smart-grid", "智慧電網與儲能產學聯盟", "Smart Grid and Energy Storage Alliance", "civil-energy",
       ["智慧電網", "儲能系統", "需量反應"], ["smart grids", "energy storage systems", "demand response"],
       17, ("任冠廷", "Kuan-Ting Jen")),
    _a("moulds", "精密模具產學聯盟", "Precision Moulds Alliance", "mechatronics",
       ["精密模具", "射出成型", "模流分析"], ["precision moulds", "injection moulding", "mould-flow analysis"],
       24, ("鄒明哲", "Ming-Che Tsou")),
    _a("bicycle", "自行車輕量化產學聯盟", "Lightweight Bicycle Alliance", "mechatronics",
       ["自行車", "碳纖維複材", "電動輔助自行車"], ["bicycles", "carbon-fibre composites", "e-bikes"],
       21, ("侯建志", "Chien-Chih Hou")),
    _a("rfic", "毫米波射頻晶片產學聯盟", "Millimetre-Wave RF Chip Alliance", "electronics",
       ["射頻晶片", "毫米波", "天線設計"], ["RF chips", "millimetre wave", "antenna design"],
       11, ("白少康", "Shao-Kang Pai")),
    _a("optics", "光學鏡頭設計產學聯盟", "Optical Lens Design Alliance", "electronics",
       ["光學鏡頭", "非球面鏡片", "車用鏡頭"], ["optical lenses", "aspheric lenses", "automotive cameras"],
       13, ("毛采蓉", "Tsai-Jung Mao")),
    _a("elder-care", "長照科技產學聯盟", "Long-Term Care Technology Alliance", "biomed",
       ["長照", "跌倒偵測", "穿戴裝置"], ["long-term care", "fall detection", "wearable devices"],
       23, ("唐鈺婷", "Yu-Ting Tang")),
    _a("coffee", "精品咖啡產業產學聯盟", "Specialty Coffee Alliance", "chemistry",
       ["咖啡", "後製發酵", "杯測"], ["coffee", "post-harvest fermentation", "cupping"],
       25, ("姚志遠", "Chih-Yuan Yao")),
]  # fmt: skip

#: Topics for the generated alliances: (industry, zh stem, en stem, zh techs, en techs).
TOPICS = [
    ("biomed", "生醫感測", "Biosensing", ["生物感測晶片", "快篩試劑", "居家檢測"], ["biosensor chips", "rapid test kits", "home testing"]),
    ("biomed", "醫療器材", "Medical Devices", ["醫療器材", "法規驗證", "臨床試驗"], ["medical devices", "regulatory validation", "clinical trials"]),
    ("biomed", "新藥開發", "Drug Discovery", ["小分子藥物", "藥物傳輸", "動物試驗"], ["small-molecule drugs", "drug delivery", "animal studies"]),
    ("biomed", "中草藥", "Herbal Medicine", ["中草藥", "有效成分分析", "保健產品"], ["herbal medicine", "active-ingredient analysis", "wellness products"]),
    ("biomed", "復健輔具", "Rehabilitation Devices", ["復健機器人", "步態分析", "輔具設計"], ["rehabilitation robots", "gait analysis", "assistive device design"]),
    ("biomed", "精準醫療", "Precision Medicine", ["基因檢測", "生物資訊", "伴隨式診斷"], ["genetic testing", "bioinformatics", "companion diagnostics"]),
    ("biomed", "動物疫苗", "Veterinary Vaccines", ["動物疫苗", "抗體製備", "禽畜健康"], ["veterinary vaccines", "antibody production", "livestock health"]),
    ("chemistry", "綠色化學", "Green Chemistry", ["綠色溶劑", "觸媒", "製程減廢"], ["green solvents", "catalysts", "process waste reduction"]),
    ("chemistry", "食品加工", "Food Processing", ["食品加工", "保鮮技術", "食品安全檢驗"], ["food processing", "preservation", "food-safety testing"]),
    ("chemistry", "高分子材料", "Polymer Materials", ["高分子合成", "塗料", "黏著劑"], ["polymer synthesis", "coatings", "adhesives"]),
    ("chemistry", "特用化學品", "Specialty Chemicals", ["特用化學品", "界面活性劑", "電子級化學品"], ["specialty chemicals", "surfactants", "electronic-grade chemicals"]),
    ("chemistry", "農產加值", "Agricultural Value-Adding", ["農產加工", "副產物利用", "發酵技術"], ["agricultural processing", "by-product use", "fermentation"]),
    ("chemistry", "清潔用品", "Household Cleaning Products", ["清潔劑配方", "抗菌", "香氛"], ["detergent formulation", "antibacterial agents", "fragrances"]),
    ("mechatronics", "智慧製造", "Smart Manufacturing", ["智慧製造", "預知保養", "數位孿生"], ["smart manufacturing", "predictive maintenance", "digital twins"]),
    ("mechatronics", "工具機", "Machine Tools", ["工具機", "主軸", "切削監控"], ["machine tools", "spindles", "cutting monitoring"]),
    ("mechatronics", "金屬材料", "Metal Materials", ["輕金屬合金", "熱處理", "金屬積層製造"], ["light alloys", "heat treatment", "metal additive manufacturing"]),
    ("mechatronics", "自動化設備", "Automation Equipment", ["自動化產線", "PLC控制", "機器視覺"], ["automated lines", "PLC control", "machine vision"]),
    ("mechatronics", "車輛電子", "Vehicle Electronics", ["車用電子", "電動機車", "充電設備"], ["automotive electronics", "electric scooters", "charging equipment"]),
    ("mechatronics", "流體機械", "Fluid Machinery", ["泵浦", "風扇設計", "計算流體力學"], ["pumps", "fan design", "computational fluid dynamics"]),
    ("mechatronics", "複合材料", "Composite Materials", ["複合材料", "碳纖維", "結構檢測"], ["composites", "carbon fibre", "structural testing"]),
    ("civil-energy", "綠建築", "Green Building", ["綠建築", "建築節能", "室內環境品質"], ["green building", "building energy efficiency", "indoor environmental quality"]),
    ("civil-energy", "循環經濟", "Circular Economy", ["資源回收", "廢棄物再利用", "生命週期評估"], ["resource recovery", "waste reuse", "life-cycle assessment"]),
    ("civil-energy", "防災科技", "Disaster Prevention", ["防災", "坡地監測", "淹水預警"], ["disaster prevention", "slope monitoring", "flood warning"]),
    ("civil-energy", "離岸風電", "Offshore Wind", ["離岸風電", "風機基礎", "海事工程"], ["offshore wind", "turbine foundations", "marine engineering"]),
    ("civil-energy", "空氣品質", "Air Quality", ["空氣污染防制", "微粒監測", "VOC處理"], ["air-pollution control", "particulate monitoring", "VOC treatment"]),
    ("civil-energy", "營建自動化", "Construction Automation", ["營建管理", "BIM", "預鑄工法"], ["construction management", "BIM", "prefabrication"]),
    ("civil-energy", "節能系統", "Energy Efficiency", ["節能診斷", "熱泵", "能源管理系統"], ["energy audits", "heat pumps", "energy management systems"]),
    ("ict", "人工智慧", "Artificial Intelligence", ["機器學習", "自然語言處理", "推薦系統"], ["machine learning", "natural language processing", "recommender systems"]),
    ("ict", "物聯網", "Internet of Things", ["物聯網", "感測網路", "低功耗通訊"], ["IoT", "sensor networks", "low-power communication"]),
    ("ict", "雲端服務", "Cloud Services", ["雲端平台", "大數據分析", "微服務"], ["cloud platforms", "big-data analytics", "microservices"]),
    ("ict", "智慧醫療資訊", "Health Informatics", ["健康資料", "遠距照護", "醫療資訊系統"], ["health data", "telecare", "hospital information systems"]),
    ("ict", "數位內容", "Digital Content", ["擴增實境", "遊戲設計", "互動媒體"], ["augmented reality", "game design", "interactive media"]),
    ("ict", "區塊鏈", "Blockchain", ["區塊鏈", "數位身分", "供應鏈溯源"], ["blockchain", "digital identity", "supply-chain traceability"]),
    ("ict", "智慧交通", "Smart Transport", ["交通號誌", "車聯網", "停車管理"], ["traffic signals", "connected vehicles", "parking management"]),
    ("electronics", "積體電路設計", "IC Design", ["類比電路", "低功耗晶片", "電源管理IC"], ["analogue circuits", "low-power chips", "power-management ICs"]),
    ("electronics", "光電元件", "Optoelectronic Devices", ["LED", "光感測器", "雷射二極體"], ["LEDs", "photodetectors", "laser diodes"]),
    ("electronics", "電力電子", "Power Electronics", ["電源轉換器", "變頻器", "無線充電"], ["power converters", "inverters", "wireless charging"]),
    ("electronics", "印刷電路板", "Printed Circuit Boards", ["印刷電路板", "高頻材料", "可靠度測試"], ["printed circuit boards", "high-frequency materials", "reliability testing"]),
    ("electronics", "感測元件", "Sensing Devices", ["微機電感測器", "氣體感測", "壓力感測"], ["MEMS sensors", "gas sensing", "pressure sensing"]),
    ("electronics", "顯示科技", "Display Technology", ["顯示器", "觸控面板", "軟性電子"], ["displays", "touch panels", "flexible electronics"]),
    ("electronics", "半導體製程", "Semiconductor Processes", ["薄膜沉積", "蝕刻", "製程良率"], ["thin-film deposition", "etching", "process yield"]),
]  # fmt: skip

QUALIFIERS = [
    ("智慧", "Smart"), ("先進", "Advanced"), ("綠色", "Green"), ("高值化", "High-Value"),
    ("創新", "Innovative"), ("精密", "Precision"), ("永續", "Sustainable"), ("整合", "Integrated"),
    ("前瞻", "Frontier"), ("在地", "Regional"), ("跨域", "Cross-Disciplinary"), ("產業", "Industrial"),
]  # fmt: skip
SUFFIXES = [("產學聯盟", "Alliance"), ("技術產學聯盟", "Technology Alliance"),
            ("應用產學聯盟", "Applications Alliance"), ("服務產學聯盟", "Services Alliance")]  # fmt: skip

#: Application areas the generated alliances mention: the anchors' own words, on purpose.
APPLICATIONS = [
    ("電動車", "electric vehicles"), ("半導體", "semiconductors"), ("智慧農業", "smart agriculture"),
    ("醫療器材", "medical devices"), ("無人機", "drones"), ("綠能", "green energy"),
    ("5G通訊", "5G communications"), ("食品", "food"), ("紡織", "textiles"), ("工具機", "machine tools"),
    ("長照", "long-term care"), ("太陽能", "solar power"), ("馬達", "motors"), ("封裝測試", "packaging and testing"),
]  # fmt: skip

SERVICES = [
    ("技術諮詢", "technical consulting"), ("委託研究", "contract research"), ("檢測分析", "testing and analysis"),
    ("人才培訓", "training"), ("技術移轉", "technology transfer"), ("原型開發", "prototyping"),
    ("專利布局", "patent strategy"), ("試量產輔導", "pilot-production support"),
]  # fmt: skip

ZH_OPENERS = [
    "本聯盟由{uni}{dept}{pi}教授主持，聚焦{t0}與{t1}技術，協助廠商{goal}。",
    "{name}整合{uni}的研發能量，以{t0}為核心，發展{t1}及{t2}等關鍵技術。",
    "我們是{uni}的{t0}研究團隊，由{pi}教授帶領，長期與國內{field}廠商合作。",
    "面對產業轉型，本聯盟以{t1}、{t0}切入，陪伴會員企業{goal}。",
]
ZH_MIDDLES = [
    "技術成果已應用於{app0}與{app1}領域，並協助{n}家會員完成產品驗證。",
    "近年協助會員導入{t2}，縮短開發時程，相關技術可延伸至{app0}、{app1}。",
    "實驗室具備{t1}量測設備，可支援{app0}相關的試製與分析。",
]
ZH_CLOSERS = [
    "歡迎對{t0}有興趣的企業加入，共同申請產學合作計畫。",
    "會員可優先使用實驗設備，並參加每季技術交流會。",
    "歡迎{field}廠商洽詢合作。",
]
GOALS = [("提升產品競爭力", "become more competitive"), ("降低生產成本", "lower production costs"),
         ("開發新產品", "develop new products"), ("導入數位轉型", "go digital"), ("拓展國際市場", "reach export markets")]  # fmt: skip
EN_OPENERS = [
    "Led by Prof. {pi} of the {dept_en}, {uni_en}, the alliance focuses on {t0} and {t1} and helps companies {goal_en}.",
    "The {name_en} brings together {uni_en} researchers working on {t0}, {t1} and {t2}.",
    "We are a {t0} research team at {uni_en} that has worked with {field_en} companies for years.",
]
EN_MIDDLES = [
    "Our results are used in {app0} and {app1}, and {n} member companies have validated products with us.",
    "Members adopt {t2} with our help, and the same methods extend to {app0} and {app1}.",
]
EN_CLOSERS = [
    "Companies interested in {t0} are welcome to join and apply for joint projects.",
    "Members get priority access to our laboratory equipment and quarterly technical meetings.",
]

INDUSTRY_FIELD = {
    "biomed": ("生技醫療", "biotech and healthcare"),
    "chemistry": ("民生化工", "consumer and chemical"),
    "mechatronics": ("機械與材料", "machinery and materials"),
    "civil-energy": ("營建與能源", "construction and energy"),
    "ict": ("資通訊", "ICT"),
    "electronics": ("電子與光電", "electronics and optoelectronics"),
}


@dataclass(frozen=True)
class Query:
    """A search a company would type, the alliance that must come first, and on which page."""

    text: str
    expected: str  # slug
    page: str = "zh-TW"  # or "en"
    kind: str = "technology"


QUERIES = [
    # Chinese technology terms, 2-6 characters.
    Query("電動車", "ev-powertrain"),
    Query("半導體封裝", "semi-packaging"),
    Query("智慧農業", "smart-agri"),
    Query("馬達", "precision-motor"),
    Query("雷射加工", "laser-micro"),
    Query("水產養殖", "aquaculture"),
    Query("氫能", "hydrogen"),
    Query("燃料電池", "hydrogen"),
    Query("碳捕捉", "carbon-capture"),
    Query("無人機", "drone"),
    Query("助聽器", "hearing-aid"),
    Query("人工關節", "ortho-implant"),
    Query("益生菌", "functional-food"),
    Query("化妝品", "cosmetics"),
    Query("光達", "lidar"),
    Query("巨量轉移", "micro-led"),
    Query("碳化矽", "wide-bandgap"),
    Query("邊緣運算", "private-5g"),
    Query("工控資安", "ics-security"),
    Query("瑕疵檢測", "ai-inspection"),
    Query("協作機器人", "cobot"),
    Query("橋梁監測", "bridge-shm"),
    Query("鈣鈦礦太陽能", "perovskite"),
    Query("廢水處理", "wastewater"),
    Query("醫學影像", "medical-imaging"),
    Query("牙科植體", "dental"),
    Query("幹細胞", "cell-therapy"),
    Query("茶葉", "tea"),
    Query("生物可分解塑膠", "bioplastics"),
    Query("儲能系統", "smart-grid"),
    Query("射出成型", "moulds"),
    Query("跌倒偵測", "elder-care"),
    Query("咖啡", "coffee"),
    Query("毫米波", "rfic"),
    # Words only in the intro (not in any alliance name).
    Query("電池管理系統", "ev-powertrain", kind="intro"),
    Query("扇出型", "semi-packaging", kind="intro"),
    Query("溫室環控", "smart-agri", kind="intro"),
    Query("伺服驅動器", "precision-motor", kind="intro"),
    Query("電解產氫", "hydrogen", kind="intro"),
    Query("網路切片", "private-5g", kind="intro"),
    Query("光纖應變計", "bridge-shm", kind="intro"),
    Query("聚乳酸", "bioplastics", kind="intro"),
    Query("模流分析", "moulds", kind="intro"),
    Query("飛時測距", "lidar", kind="intro"),
    Query("降噪", "hearing-aid", kind="intro"),
    Query("flip-chip bonding", "semi-packaging", "en", "intro"),
    Query("demand response", "smart-grid", "en", "intro"),
    Query("cupping", "coffee", "en", "intro"),
    # Products and mixed scripts.
    Query("5G專網", "private-5g", kind="product"),
    Query("AI瑕疵檢測", "ai-inspection", kind="product"),
    Query("MicroLED", "micro-led", kind="product"),
    # Partial words.
    Query("半導體封", "semi-packaging", kind="partial"),
    Query("鈣鈦", "perovskite", kind="partial"),
    Query("semicond packag", "semi-packaging", "en", "partial"),
    Query("aquacult", "aquaculture", "en", "partial"),
    Query("perovsk", "perovskite", "en", "partial"),
    # English technology terms, on the English page.
    Query("electric vehicle", "ev-powertrain", "en"),
    Query("hearing aids", "hearing-aid", "en"),
    Query("hydrogen", "hydrogen", "en"),
    Query("LiDAR", "lidar", "en"),
    Query("gallium nitride", "wide-bandgap", "en"),
    Query("injection moulding", "moulds", "en"),
    Query("probiotics", "functional-food", "en"),
    Query("cell therapy", "cell-therapy", "en"),
    # Universities (used by one alliance each) and principal investigators.
    Query("宜蘭大學", "bridge-shm", kind="university"),
    Query("澎湖科技大學", "aquaculture", kind="university"),
    Query("National Taitung University", "tea", "en", "university"),
    Query("Quemoy", "drone", "en", "university"),
    Query("葉書豪", "semi-packaging", kind="pi"),
    Query("方韻如", "smart-agri", kind="pi"),
    Query("Ching-Yi Wei", "hearing-aid", "en", "pi"),
    Query("Shih", "precision-motor", "en", "pi"),
    # The other language's words from each page.
    Query("smart agriculture", "smart-agri", "zh-TW", "cross-language"),
    Query("drones", "drone", "zh-TW", "cross-language"),
    Query("助聽器", "hearing-aid", "en", "cross-language"),
    Query("電動車", "ev-powertrain", "en", "cross-language"),
]


def _pi_pool(rng: random.Random, taken: set[str]) -> list[tuple[str, str]]:
    pool = [(s + g, f"{ge} {se}") for s, se in SURNAMES for g, ge in GIVEN]
    rng.shuffle(pool)
    return [p for p in pool if p[0] not in taken]


def _fill(pattern: str, values: dict[str, str]) -> str:
    return pattern.format(**values)


def _intro(
    rng: random.Random, name: str, name_en: str, uni: tuple[str, str], pi: tuple[str, str],
    industry: str, techs: list[str], techs_en: list[str], apps: list[tuple[str, str]],
) -> tuple[str, str]:  # fmt: skip
    dept = rng.choice(DEPARTMENTS)
    goal = rng.choice(GOALS)
    field_zh, field_en = INDUSTRY_FIELD[industry]
    services = rng.sample(SERVICES, 3)
    v = {
        "name": name, "name_en": name_en, "uni": uni[0], "uni_en": uni[1], "pi": pi[0],
        "dept": dept[0], "dept_en": dept[1], "goal": goal[0], "goal_en": goal[1],
        "field": field_zh, "field_en": field_en, "n": str(rng.randrange(6, 40)),
        "t0": techs[0], "t1": techs[1], "t2": techs[2],
        "app0": apps[0][0], "app1": apps[1][0],
    }  # fmt: skip
    zh = [_fill(rng.choice(ZH_OPENERS), v), _fill(rng.choice(ZH_MIDDLES), v)]
    if rng.random() < 0.7:
        zh.append(_fill(rng.choice(ZH_CLOSERS), v))
    zh.append(f"核心技術：{techs[0]}、{techs[1]}、{techs[2]}。")
    zh_text = "".join(zh) + "\n\n服務項目：\n\n" + "\n".join(f"- {s[0]}" for s in services) + "\n"
    v_en = v | {"pi": pi[1], "t0": techs_en[0], "t1": techs_en[1], "t2": techs_en[2],
                "app0": apps[0][1], "app1": apps[1][1]}  # fmt: skip
    en = [_fill(rng.choice(EN_OPENERS), v_en), _fill(rng.choice(EN_MIDDLES), v_en)]
    if rng.random() < 0.7:
        en.append(_fill(rng.choice(EN_CLOSERS), v_en))
    en.append(f"Core technologies: {techs_en[0]}, {techs_en[1]} and {techs_en[2]}.")
    en_text = " ".join(en) + "\n\nServices:\n\n" + "\n".join(f"- {s[1]}" for s in services) + "\n"
    return zh_text, en_text


def sample_profiles(n: int = 200) -> dict[str, dict]:
    """``n`` profiles (slug -> fields): every anchor, then generated alliances."""
    if n < len(ANCHORS):
        raise ValueError(f"n must be at least {len(ANCHORS)} (the anchors)")
    rng = random.Random(20261202)
    profiles: dict[str, dict] = {}
    taken_pis = {a.pi[0] for a in ANCHORS}
    anchor_words = {w for a in ANCHORS for w in a.techs}
    for a in ANCHORS:
        uni = UNIVERSITIES[a.university]
        apps = rng.sample([x for x in APPLICATIONS if x[0] not in a.techs], 2)
        intro, intro_en = _intro(
            rng, a.name, a.name_en, uni, a.pi, a.industry, list(a.techs), list(a.techs_en), apps
        )
        profiles[a.slug] = {
            "name": a.name, "name_en": a.name_en, "university": uni[0], "university_en": uni[1],
            "pi": a.pi[0], "pi_en": a.pi[1], "industry": a.industry,
            "website": f"https://{a.slug}.example.edu.tw/", "intro": intro, "intro_en": intro_en,
            "since": 2012 + rng.randrange(14), "contact_email": f"{a.slug}@example.edu.tw",
        }  # fmt: skip
    pis = _pi_pool(rng, taken_pis)
    names = {p["name"] for p in profiles.values()}
    combos = [(t, q, s) for t in TOPICS for q in QUALIFIERS for s in SUFFIXES]
    rng.shuffle(combos)
    i = 0
    for topic, qual, suffix in combos:
        if len(profiles) >= n:
            break
        industry, stem, stem_en, techs, techs_en = topic
        name, name_en = f"{qual[0]}{stem}{suffix[0]}", f"{qual[1]} {stem_en} {suffix[1]}"
        if name in names or any(w in name for w in anchor_words):
            continue
        names.add(name)
        i += 1
        slug = f"{stem_en.lower().replace(' ', '-').replace('-&-', '-')}-{i:04d}"
        uni = rng.choice(SHARED_UNIVERSITIES)
        pi = pis[i % len(pis)]
        order = rng.sample(range(3), 3)
        t, t_en = [techs[k] for k in order], [techs_en[k] for k in order]
        apps = rng.sample(APPLICATIONS, 2)
        intro, intro_en = _intro(rng, name, name_en, uni, pi, industry, t, t_en, apps)
        profiles[slug] = {
            "name": name, "name_en": name_en, "university": uni[0], "university_en": uni[1],
            "pi": pi[0], "pi_en": pi[1], "industry": industry,
            "website": f"https://{slug}.example.edu.tw/", "intro": intro, "intro_en": intro_en,
            "since": 2010 + rng.randrange(16),
        }  # fmt: skip
    if len(profiles) < n:
        raise ValueError(f"the topics give at most {len(profiles)} distinct alliances")
    return profiles


def write_sample(root: Path, n: int = 200, *, banners: bool = True) -> tuple[Path, Path]:
    """Write ``n`` profiles (and a banner for most) under ``root``; return (content, banners)."""
    content, banner_dir = root / "content", root / "banners"
    (content / "alliances").mkdir(parents=True, exist_ok=True)
    (content / "pages").mkdir(exist_ok=True)
    banner_dir.mkdir(exist_ok=True)
    rng = random.Random(7)
    for k, (slug, data) in enumerate(sample_profiles(n).items()):
        (content / "alliances" / f"{slug}.toml").write_text(dump_profile(data), encoding="utf-8")
        if banners and k % 10 != 9:  # every tenth alliance has not sent a banner yet
            colour = (rng.randrange(40, 220), rng.randrange(40, 220), rng.randrange(40, 220))
            Image.new("RGB", (222, 112), colour).save(banner_dir / f"{slug}.png")
    return content, banner_dir
