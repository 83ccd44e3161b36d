"""Names people read for the codes the database stores (translated with _() where shown)."""

from __future__ import annotations

from data.errors import N_

CASE_STATUS = {
    "received": N_("待受理"), "accepted": N_("已受理"), "rejected": N_("不予受理"),
    "investigating": N_("调查中"), "decided": N_("已决定"), "closed": N_("已结案"), "re_reviewed": N_("已复查"),
}
CASE_SOURCE = {
    "walk_in": N_("来访"), "hotline_12333": N_("12333热线"), "hotline_12345": N_("12345热线"), "letter": N_("来信"),
    "national_platform": N_("全国根治欠薪线索平台"), "grid_screening": N_("网格排查"),
    "leader_instruction": N_("领导批示"), "media": N_("媒体反映"), "referral": N_("部门移交"),
}
CASE_DECISION = {
    "paid_in_full": N_("足额支付"), "order_to_pay": N_("责令支付"), "administrative_decision": N_("行政处理决定"),
    "penalty": N_("行政处罚"), "withdrawn": N_("撤诉/撤回"), "referred": N_("移送处理"),
}
INDUSTRY = {
    "construction": N_("建筑业"), "manufacturing": N_("制造业"), "catering": N_("餐饮业"),
    "wholesale_retail": N_("批发零售业"), "transport": N_("交通运输业"), "resident_services": N_("居民服务业"),
    "other": N_("其他行业"),
}
REFERRAL_AGENCY = {
    "police": N_("公安机关"), "housing_construction": N_("住建部门"), "arbitration": N_("劳动人事争议仲裁院"),
    "procuratorate": N_("人民检察院"), "court": N_("人民法院"), "other": N_("其他部门"),
}
CASE_EVENT = {
    "received": N_("登记受理线索"), "accepted": N_("受理立案"), "rejected": N_("不予受理"),
    "investigation_started": N_("开始调查"), "extension_requested": N_("申请延期"),
    "extension_declined": N_("不予延期"), "extended": N_("延长调查期限"), "decided": N_("作出处理决定"),
    "closed": N_("结案"), "re_reviewed": N_("复查"), "reopened": N_("复查重新调查"), "transfer_sent": N_("流转"),
    "transfer_accepted": N_("接收流转"), "transfer_returned": N_("退回流转"), "referred_out": N_("移送"),
    "supervision_ordered": N_("督办"), "supervision_responded": N_("督办反馈"), "note": N_("备注"),
    "document_issued": N_("出具文书"),
}
DOCUMENT_KIND = {"accept_notice": N_("受理通知书"), "reject_notice": N_("不予受理告知书"),
                 "rectify_order": N_("限期整改指令书"), "supervision_notice": N_("督办通知")}
BLACKLIST_STATUS = {"proposed": N_("拟列入"), "approved": N_("已批准待公布"), "published": N_("已公布"),
                    "removed": N_("已移出"), "rejected": N_("未批准")}
CASE_ACT = {
    "accept": N_("受理立案"), "reject": N_("不予受理"), "investigate": N_("开始调查"), "extend": N_("批准延期"),
    "request_extension": N_("申请延期"), "decline_extension": N_("不予延期"),
    "decide": N_("作出决定"), "close": N_("结案"), "re_review": N_("复查维持"), "reopen": N_("复查重启调查"),
    "transfer": N_("流转"), "accept_transfer": N_("接收流转"), "return_transfer": N_("退回流转"),
    "refer_out": N_("移送"), "supervise": N_("督办"), "respond_supervision": N_("督办反馈"),
}
SUPERVISION_REASON = {
    "overdue": N_("超期"), "large_amount": N_("金额大"), "many_workers": N_("人数多"),
    "mass_incident": N_("群体性事件"),
    "public_opinion": N_("舆情"), "leader": N_("领导督办"),
}
RISK_GRADE = {"red": N_("红色"), "orange": N_("橙色"), "yellow": N_("黄色"), "low": N_("低")}
RISK_COLOUR = {"red": "#d32f2f", "orange": "#f57c00", "yellow": "#fbc02d", "low": "#90a4ae"}

# --- stations, inspections and rectifications ------------------------------------------------
GRADE = {"model": N_("示范"), "standard": N_("达标"), "rectify": N_("限期整改"), "fail": N_("不达标")}
GRADE_COLOUR = {"model": "#2e7d32", "standard": "#1976d2", "rectify": "#f57c00", "fail": "#d32f2f",
                None: "#9e9e9e"}
INSPECTION_KIND = {"station_check": N_("标准化检查"), "window_audit": N_("窗口督查")}
INSPECTION_MODE = {"announced": N_("定期检查"), "overt": N_("明查"), "covert": N_("暗访"), "phone": N_("电话拨测"),
                   "online": N_("网上测评")}
INSPECTION_STATUS = {"draft": N_("草稿"), "submitted": N_("已提交"), "published": N_("已通报")}
RECTIFICATION_STATUS = {"open": N_("待整改"), "reported": N_("已报送"), "rechecked": N_("已复查"),
                        "closed": N_("已销号")}
RECTIFICATION_SOURCE = {"inspection": N_("检查督查"), "walkthrough": N_("走流程"), "leader": N_("领导交办"),
                        "rating": N_("差评回访")}
STATION_KIND = {"township_station": N_("乡镇人社所"), "community_point": N_("社区服务站"),
                "village_point": N_("村服务点")}

# --- walkthroughs (走流程) and work logs ------------------------------------------------------
WALK_CHANNEL = {"window": N_("窗口办"), "online": N_("网上办"), "app": N_("掌上办"), "self_service": N_("自助办"),
                "phone": N_("电话办")}
WALK_MODE = {"in_person": N_("亲身办"), "accompany": N_("陪同办")}
WALK_STEP = {"consult": N_("咨询"), "accept": N_("受理"), "handle": N_("办理"), "feedback": N_("反馈"),
             "query": N_("查询")}
FINDING_LIST = {"issue": N_("问题清单"), "need": N_("需求清单"), "fix": N_("整改清单")}
FINDING_STATUS = {"open": N_("待办"), "in_progress": N_("办理中"), "done": N_("已完成")}
LOG_DAY_STATE = {"filed": N_("已报"), "missing": N_("未报"), "pending": N_("待报"), "off": N_("不在挂职期")}

# the fields of a field record an edit may change (a record's history names them)
LOG_FIELDS = {"log_date": N_("日期"), "work_types": N_("工作类型"), "done": N_("工作内容"), "solved": N_("解决问题"),
              "people_served": N_("服务人次"), "station_id": N_("站点")}
WALK_FIELDS = {"station_id": N_("站点"), "service_item_code": N_("服务事项"), "channel": N_("办理渠道"),
               "mode": N_("方式"), "place": N_("地点"), "walked_on": N_("日期"), "steps": N_("环节用时"),
               "trips": N_("跑动次数"), "materials_asked": N_("要求提供的材料"), "materials_published": N_("公布清单"),
               "note": N_("备注"), "lon": N_("位置"), "lat": N_("位置"), "accuracy_m": N_("位置")}
