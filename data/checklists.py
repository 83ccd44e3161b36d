"""The default checklist templates and walkthrough service items, as plain data.

They are what a fresh install starts from; an admin edits them in the product, which makes new
template versions, so nothing here is read at run time once a database is filled.

- `STANDARDISATION`: the township-station standardisation check (六个规范), 30 items, 100
  points split 15/25/20/15/15/10 over the six categories; three veto items (一票否决) weigh 0.
- `WINDOW_AUDIT`: the window audit / mystery-shopping form (明察暗访), 21 items, 100 points.
  Its `rule["modes"]`, where present, names the audit modes an item can be judged in (a
  phone test cannot see a uniform); elsewhere the item applies in every mode.
- `SERVICE_ITEMS`: the services a walkthrough (走流程) can follow, with published materials.
- `FINDING_CATEGORIES`: the categories of a walkthrough's issues, needs and fixes (setting
  `walkthrough.finding_categories` overrides them).
- `WORK_TYPES`: the kinds of work in a cadre's log (setting `worklog.work_types` overrides them).
"""

from __future__ import annotations

from typing import Any

THRESHOLDS = {"model": 90, "standard": 80, "rectify": 60}

STANDARDISATION_CATEGORIES = {
    "appearance": ("形象外观", "Appearance and signage"),
    "facilities": ("环境设施", "Environment and facilities"),
    "conduct": ("服务行为", "Service conduct"),
    "process": ("业务流程", "Business process"),
    "rules": ("管理制度", "Management rules"),
    "staffing": ("工作岗位", "Posts and staffing"),
}

WINDOW_AUDIT_CATEGORIES = {
    "discipline": ("纪律作风", "Discipline"),
    "openness": ("公开亮明", "Openness (四公开, 三亮明)"),
    "service": ("服务规范", "Service (五制)"),
    "efficiency": ("办事效率", "Efficiency"),
    "environment": ("环境设施", "Environment and facilities"),
    "integrity": ("廉洁安全", "Integrity and data security"),
}

PHOTO_ON_FAIL = {"photo_on_fail": True}
GOOD_FAIR_POOR = {"options": [
    {"value": "good", "label": "好", "score": 1.0},
    {"value": "fair", "label": "一般", "score": 0.5},
    {"value": "poor", "label": "差", "score": 0.0},
]}
IN_PERSON = ["overt", "covert"]


def _item(code, category, weight, text, text_en, answer_type="pass_fail", *, veto=False,
          evidence=None, rule=None) -> dict[str, Any]:
    return {
        "code": code, "category": category, "text": text, "text_en": text_en,
        "answer_type": answer_type, "weight": weight, "veto": veto,
        "evidence": dict(PHOTO_ON_FAIL) if evidence is None else evidence, "rule": rule or {},
    }


STANDARDISATION_ITEMS = [
    _item("S01", "appearance", 3, "门头悬挂统一规范的人社所标牌",
          "Standard name plate at the entrance"),
    _item("S02", "appearance", 3, "使用统一的人社标识和形象色彩",
          "Unified HRSS logo and colours"),
    _item("S03", "appearance", 3, "导视指引清晰，群众能自行找到办事区域",
          "Clear wayfinding signs"),
    _item("S04", "appearance", 3, "每个窗口设有标明业务内容的窗口牌",
          "Every window has a plate naming its services"),
    _item("S05", "appearance", 3, "公示栏内容现行有效，人员变动及时更新",
          "Notice board current, staff changes updated"),
    _item("S06", "facilities", 5, "服务场所使用面积（平方米，乡镇不少于100）",
          "Floor area in m² (township at least 100)",
          "number", evidence={"photo": True}, rule={"min_ok": 100}),
    _item("S07", "facilities", 4, "设有等候区、办事区、自助区等功能分区",
          "Waiting, service and self-service zones"),
    _item("S08", "facilities", 3, "设有档案室和劳动争议调解室",
          "Archive room and mediation room"),
    _item("S09", "facilities", 4, "窗口设备齐全：电脑、打印机、扫描仪、身份证读卡器、社保卡读卡器",
          "Window equipment complete: PC, printer, scanner, ID and social-security-card readers"),
    _item("S10", "facilities", 4, "联网自助服务终端正常使用",
          "Networked self-service terminal working"),
    _item("S11", "facilities", 3, "配备“好差评”评价器并正常使用",
          "Service-rating (好差评) device in use"),
    _item("S12", "facilities", 2, "便民设施（饮水、老花镜、充电、无障碍）和消防、监控设施完好",
          "Conveniences (water, reading glasses, charging, step-free access) and safety equipment"),
    _item("S13", "conduct", 4, "工作人员统一着装、佩戴工牌",
          "Staff in uniform with name badges"),
    _item("S14", "conduct", 4, "服务态度热情，使用文明用语",
          "Courteous attitude and language", "choice",
          evidence={}, rule=GOOD_FAIR_POOR),
    _item("S15", "conduct", 4, "落实首问负责和一次性告知",
          "First-contact responsibility and one-time complete notice"),
    _item("S16", "conduct", 4, "差评件按时回访整改，形成闭环",
          "Negative ratings followed up and closed", evidence={}),
    _item("S17", "conduct", 4, "遵守工作纪律，无脱岗、串岗、玩手机",
          "Work discipline: no absence from post, no phone games"),
    _item("S18", "conduct", 0, "无违规收费、搭车收费行为（一票否决）",
          "No illegal or add-on fees (veto)", veto=True),
    _item("S19", "process", 4, "服务事项清单对外公开",
          "Service list published"),
    _item("S20", "process", 4, "办事指南与市级标准一致",
          "Service guides match the city standard"),
    _item("S21", "process", 3, "业务台账登记规范、完整",
          "Business ledger complete and in order", evidence={}),
    _item("S22", "process", 2, "提供帮办代办服务",
          "Assisted and proxy handling (帮办代办) offered", evidence={}),
    _item("S23", "process", 2, "欠薪线索及时流转上报",
          "Wage-arrears clues passed on in time", evidence={}),
    _item("S24", "rules", 5, "“五制”“四公开”“三亮明”制度上墙",
          "五制, 四公开 and 三亮明 rules displayed"),
    _item("S25", "rules", 5, "考勤、AB岗和培训记录完整",
          "Attendance, backup-post (AB岗) and training records kept",
          evidence={}),
    _item("S26", "rules", 5, "档案和个人信息管理制度落实",
          "Archive and personal-data rules applied"),
    _item("S27", "rules", 0, "未发生泄露、违规查询群众个人信息（一票否决）",
          "No leak or improper lookup of personal data (veto)", veto=True),
    _item("S28", "staffing", 5, "在岗工作人员人数（不少于2人）",
          "Staff on duty (at least 2)", "number",
          evidence={}, rule={"min_ok": 2}),
    _item("S29", "staffing", 5, "值班表公开，挂职第一副所长在岗且工作日志及时",
          "Duty chart posted; seconded first deputy in post with a current work log", evidence={}),
    _item("S30", "staffing", 0, "工作时间正常开门办公（一票否决）",
          "Open throughout opening hours (veto)", veto=True),
]

WINDOW_AUDIT_ITEMS = [
    _item("W01", "discipline", 5, "按时开门办公",
          "Opened on time", rule={"modes": IN_PERSON}),
    _item("W02", "discipline", 5, "窗口工作人员在岗到位",
          "Windows staffed", rule={"modes": IN_PERSON}),
    _item("W03", "discipline", 5, "无玩手机、脱岗、闲聊",
          "No phone use, leaving post or chatting",
          rule={"modes": IN_PERSON}),
    _item("W04", "openness", 4, "着装规范并佩戴工牌",
          "Uniform and name badge", rule={"modes": IN_PERSON}),
    _item("W05", "openness", 5,
          "“五制”（首问负责、一次性告知、限时办结、服务承诺与AB岗、责任追究）上墙并落实",
          "五制 displayed and applied (first contact, one-time notice, time limit, pledge and "
          "backup post, accountability)", rule={"modes": IN_PERSON}),
    _item("W06", "openness", 5, "“四公开”到位：办事依据、程序、时限、收费标准",
          "四公开: basis, procedure, time limit and fees published",
          rule={"modes": IN_PERSON + ["online"]}),
    _item("W07", "openness", 4, "“三亮明”到位：亮身份、亮职责、亮承诺",
          "三亮明: identity, duties and pledge shown",
          rule={"modes": IN_PERSON}),
    _item("W08", "openness", 4, "办事指南现行有效",
          "Service guides current", rule={"modes": IN_PERSON + ["online"]}),
    _item("W09", "service", 5, "首问负责，主动引导",
          "First-contact responsibility: visitor guided",
          evidence={}, rule={"modes": IN_PERSON}),
    _item("W10", "service", 6, "一次性告知完整",
          "One-time notice complete", evidence={},
          rule={"modes": IN_PERSON + ["phone"]}),
    _item("W11", "service", 6, "未要求提供清单以外的材料",
          "No materials asked beyond the published list",
          evidence={}, rule={"modes": IN_PERSON + ["online"]}),
    _item("W12", "service", 6, "模拟咨询答复准确",
          "Scripted question answered correctly", "choice", evidence={},
          rule={"options": [
              {"value": "accurate", "label": "准确", "score": 1.0},
              {"value": "partial", "label": "基本准确", "score": 0.5},
              {"value": "wrong", "label": "错误", "score": 0.0},
          ]}),
    _item("W13", "service", 5, "服务态度好，无服务禁语",
          "Good attitude, no forbidden phrases", "choice",
          evidence={}, rule={**GOOD_FAIR_POOR, "modes": IN_PERSON + ["phone"]}),
    _item("W14", "efficiency", 5, "取号至叫号等候时间（分钟）",
          "Minutes from ticket to call", "number",
          evidence={}, rule={"max_ok": 15, "modes": IN_PERSON}),
    _item("W15", "efficiency", 4, "取号至办结时间（分钟）",
          "Minutes from ticket to finish", "number",
          evidence={}, rule={"max_ok": 40, "modes": IN_PERSON}),
    _item("W16", "efficiency", 5, "咨询电话（12333）拨测接通并有效答复",
          "Phone test (12333) answered and helpful",
          evidence={}, rule={"modes": IN_PERSON + ["phone"]}),
    _item("W17", "environment", 4, "“好差评”评价器正常使用，无诱导好评",
          "Rating device working and not coached",
          rule={"modes": IN_PERSON}),
    _item("W18", "environment", 4, "便民设施、自助终端可用，环境整洁",
          "Conveniences and self-service terminal working; clean", rule={"modes": IN_PERSON}),
    _item("W19", "environment", 4, "设有“办不成事”反映窗口",
          "“Can't-get-it-done” (办不成事) window in place",
          rule={"modes": IN_PERSON}),
    _item("W20", "integrity", 5, "无违规收费，无黄牛代办",
          "No illegal fees, no touts", rule={"modes": IN_PERSON}),
    _item("W21", "integrity", 4, "信息安全：屏幕防窥，证件复印件不随意放置",
          "Information security: screens shielded, copies of papers not left about",
          rule={"modes": IN_PERSON}),
]

STANDARDISATION = {
    "code": "standardisation", "kind": "standardisation",
    "name": "乡镇人社所标准化建设检查表", "name_en": "Township station standardisation check",
    "settings": {"thresholds": THRESHOLDS, "categories": STANDARDISATION_CATEGORIES},
    "items": STANDARDISATION_ITEMS,
}

WINDOW_AUDIT = {
    "code": "window_audit", "kind": "window_audit",
    "name": "窗口服务明察暗访表", "name_en": "Window service audit",
    "settings": {"thresholds": THRESHOLDS, "categories": WINDOW_AUDIT_CATEGORIES},
    "items": WINDOW_AUDIT_ITEMS,
}

TEMPLATES = [STANDARDISATION, WINDOW_AUDIT]


def _service(code, name, name_en, materials) -> dict[str, Any]:
    return {"code": code, "name": name, "name_en": name_en, "published_materials": materials}


SERVICE_ITEMS = [
    _service("ss_card_apply", "社保卡申领", "Social security card application",
             ["居民身份证", "近期免冠照片（可现场采集）"]),
    _service("ss_card_replace", "社保卡挂失补换", "Social security card loss report and replacement",
             ["居民身份证", "原社会保障卡（换卡时）"]),
    _service("pension_transfer", "养老保险关系转移", "Pension insurance transfer",
             ["居民身份证", "基本养老保险关系转移接续申请表"]),
    _service("unemployment_benefit", "失业保险金申领", "Unemployment benefit claim",
             ["居民身份证或社会保障卡"]),
    _service("employment_registration", "就业登记", "Employment registration",
             ["居民身份证", "劳动合同或就业证明"]),
    _service("startup_loan", "创业担保贷款", "Business-start guaranteed loan",
             ["居民身份证", "营业执照", "创业计划书", "创业担保贷款申请表"]),
    _service("skills_subsidy", "职业技能补贴", "Vocational skills subsidy",
             ["居民身份证", "职业资格证书或职业技能等级证书", "社会保障卡"]),
    _service("retirement", "退休办理", "Retirement processing",
             ["居民身份证", "人事档案", "退休申请表"]),
    _service("work_injury", "工伤认定", "Work-injury determination",
             ["工伤认定申请表", "劳动关系证明", "医疗诊断证明", "居民身份证"]),
    _service("arrears_complaint", "欠薪投诉", "Wage-arrears complaint",
             ["居民身份证", "投诉书", "劳动关系证明材料", "欠薪证据材料"]),
    _service("hotline_12333", "12333咨询", "12333 hotline enquiry", []),
    _service("flexible_employment", "灵活就业人员参保登记", "Flexible-employment insurance registration",
             ["居民身份证"]),
    _service("resident_pension", "城乡居民养老保险参保", "Urban and rural residents' pension enrolment",
             ["居民身份证", "户口簿"]),
]


# {list_kind: {code: (name, name_en)}}
FINDING_CATEGORIES = {
    "issue": {"materials": ("材料要求", "Materials asked"), "waiting": ("排队等候", "Waiting"),
              "guidance": ("导办指引", "Guidance"), "system": ("系统数据", "Systems and data"),
              "attitude": ("服务态度", "Attitude"), "online": ("网上办理", "Online service"),
              "facilities": ("设施设备", "Facilities"), "other": ("其他", "Other")},
    "need": {"outreach": ("政策宣传", "Policy outreach"), "hours": ("服务时间", "Opening hours"),
             "elderly": ("适老帮办", "Help for the elderly"), "self_service": ("自助服务", "Self-service"),
             "online": ("掌上网上办", "Online and mobile"), "employment": ("就业服务", "Employment services"),
             "other": ("其他", "Other")},
    "fix": {"materials": ("材料精简", "Fewer materials"), "waiting": ("窗口调配", "Window staffing"),
            "guidance": ("导办标识", "Guidance and signs"), "system": ("系统优化", "Systems"),
            "training": ("业务培训", "Training"), "online": ("网办优化", "Online service"),
            "other": ("其他", "Other")},
}

WORK_TYPES = {
    "policy_outreach": ("政策宣传", "Policy outreach"),
    "case_handling": ("业务经办", "Service handling"),
    "dispute_mediation": ("矛盾调解", "Dispute mediation"),
    "employer_visit": ("走访企业", "Employer visits"),
    "training": ("培训指导", "Training"),
    "arrears_screening": ("欠薪排查", "Wage-arrears screening"),
    "records": ("台账整理", "Records"),
}
