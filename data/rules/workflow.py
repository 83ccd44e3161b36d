"""The wage-case workflow as a table: which act may move a case from which state, who may do it.

States (CaseStatus): received → accepted | rejected → investigating (extended?) → decided →
closed → re_reviewed (复查; may reopen to investigating). Transfers, referrals and supervision
orders are overlays: they change who holds the case or who watches it, not its state.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from data.errors import N_, NotAllowed, WorkflowError
from data.models import CaseDecision, CaseStatus, Role


class CaseAct(StrEnum):
    accept = "accept"  # 受理/立案
    reject = "reject"  # 不予受理
    investigate = "investigate"  # start the investigation
    request_extension = "request_extension"  # 申请延期: the office asks a leader for the 30 days
    extend = "extend"  # 延期 (+30 working days, approved by a leader)
    decline_extension = "decline_extension"  # 不予延期: a leader refuses the office's request
    decide = "decide"  # 作出处理决定
    close = "close"  # 结案
    re_review = "re_review"  # 复查: uphold
    reopen = "reopen"  # 复查: reopen the investigation
    transfer = "transfer"  # 流转 to another jurisdiction
    accept_transfer = "accept_transfer"
    return_transfer = "return_transfer"  # 退回 (a bounce, 推诿 when it was ours)
    refer_out = "refer_out"  # 移送 (e.g. 检察院 支持起诉)
    supervise = "supervise"  # 督办
    respond_supervision = "respond_supervision"


S = CaseStatus
OPEN_STATES = frozenset({S.received, S.accepted, S.investigating})

# act → (states it may start from, state it leads to; None keeps the state)
TRANSITIONS: dict[CaseAct, tuple[frozenset[CaseStatus], CaseStatus | None]] = {
    CaseAct.accept: (frozenset({S.received}), S.accepted),
    CaseAct.reject: (frozenset({S.received}), S.rejected),
    CaseAct.investigate: (frozenset({S.accepted}), S.investigating),
    CaseAct.request_extension: (frozenset({S.investigating}), None),
    CaseAct.extend: (frozenset({S.investigating}), None),
    CaseAct.decline_extension: (frozenset({S.investigating}), None),
    CaseAct.decide: (frozenset({S.accepted, S.investigating}), S.decided),
    CaseAct.close: (frozenset({S.decided}), S.closed),
    CaseAct.re_review: (frozenset({S.closed}), S.re_reviewed),
    CaseAct.reopen: (frozenset({S.closed, S.re_reviewed}), S.investigating),
    CaseAct.transfer: (OPEN_STATES, None),
    CaseAct.accept_transfer: (OPEN_STATES, None),
    CaseAct.return_transfer: (OPEN_STATES, None),
    CaseAct.refer_out: (frozenset({S.accepted, S.investigating, S.decided}), None),
    CaseAct.supervise: (OPEN_STATES | {S.decided}, None),
    CaseAct.respond_supervision: (OPEN_STATES | {S.decided, S.closed}, None),
}

OFFICE = frozenset({Role.case_officer, Role.admin})
LEADERS = frozenset({Role.leader, Role.admin})
ROLES: dict[CaseAct, frozenset[Role]] = {
    CaseAct.accept: OFFICE,
    CaseAct.reject: OFFICE,
    CaseAct.investigate: OFFICE,
    CaseAct.request_extension: OFFICE,
    CaseAct.extend: LEADERS,  # the extension is the leader's approval
    CaseAct.decline_extension: LEADERS,
    CaseAct.decide: OFFICE,
    CaseAct.close: OFFICE,
    CaseAct.re_review: OFFICE | LEADERS,
    CaseAct.reopen: OFFICE | LEADERS,
    CaseAct.transfer: OFFICE,
    CaseAct.accept_transfer: OFFICE,
    CaseAct.return_transfer: OFFICE,
    CaseAct.refer_out: OFFICE,
    CaseAct.supervise: LEADERS,
    CaseAct.respond_supervision: OFFICE,
}
# acts that only the office receiving a pending transfer may take (everything else waits)
RECEIVER_ACTS = frozenset({CaseAct.accept_transfer, CaseAct.return_transfer})
# acts a leader takes anywhere in their regions; every other act is the holding office's
LEADER_ACTS = frozenset({CaseAct.extend, CaseAct.decline_extension, CaseAct.supervise, CaseAct.re_review,
                         CaseAct.reopen})
HOLDING_OFFICE_ACTS = frozenset(CaseAct) - LEADER_ACTS - RECEIVER_ACTS
# acts that must say why
NEEDS_REASON = frozenset({CaseAct.reject, CaseAct.extend, CaseAct.transfer, CaseAct.return_transfer,
                          CaseAct.refer_out, CaseAct.reopen, CaseAct.supervise, CaseAct.request_extension,
                          CaseAct.decline_extension})
DECISIONS_RECOVERING_MONEY = frozenset({CaseDecision.paid_in_full, CaseDecision.order_to_pay,
                                        CaseDecision.administrative_decision, CaseDecision.penalty})


@dataclass(frozen=True)
class CaseFacts:
    """What the rules need to know about a case (no database rows in pure rules)."""

    status: CaseStatus
    extended: bool = False
    transfer_pending: bool = False
    supervision_open: bool = False
    extension_requested: bool = False  # the office asked for the extension, no leader has answered


def check(act: CaseAct, facts: CaseFacts, role: Role, *, receiving_office: bool = False,
          reason: str | None = None) -> CaseStatus:
    """The state after `act`; NotAllowed or WorkflowError (messages for people) otherwise.

    `receiving_office`: the actor belongs to the office a pending transfer is addressed to.
    """
    if role not in ROLES[act]:
        raise NotAllowed(N_("您的角色不能执行此操作"))
    starts, leads_to = TRANSITIONS[act]
    if facts.status not in starts:
        raise WorkflowError(N_("案件当前状态不允许此操作"))
    if facts.transfer_pending and act not in RECEIVER_ACTS | {CaseAct.supervise}:
        raise WorkflowError(N_("案件正在流转，等待接收单位接收或退回"))
    if act in RECEIVER_ACTS:
        if not facts.transfer_pending:
            raise WorkflowError(N_("没有待接收的流转"))
        if not receiving_office:
            raise NotAllowed(N_("只有接收单位可以接收或退回流转案件"))
    if act in (CaseAct.extend, CaseAct.request_extension) and facts.extended:
        raise WorkflowError(N_("调查期限已延长过一次（最长90个工作日）"))
    if act is CaseAct.request_extension and facts.extension_requested:
        raise WorkflowError(N_("已申请延期，等待领导审批"))
    if act is CaseAct.decline_extension and not facts.extension_requested:
        raise WorkflowError(N_("没有待审批的延期申请"))
    if act is CaseAct.supervise and facts.supervision_open:
        raise WorkflowError(N_("案件已在督办中"))
    if act is CaseAct.respond_supervision and not facts.supervision_open:
        raise WorkflowError(N_("没有待反馈的督办"))
    if act in NEEDS_REASON and not (reason and reason.strip()):
        raise WorkflowError(N_("请填写理由"))
    return leads_to or facts.status


def allowed_acts(facts: CaseFacts, role: Role, *, receiving_office: bool = False,
                 holding_office: bool = True) -> list[CaseAct]:
    """The acts the UI should offer (reasons are asked for in the form, so assumed given).
    `holding_office`: the actor belongs to the office holding the case."""
    acts = []
    for act in CaseAct:
        if act in HOLDING_OFFICE_ACTS and not holding_office:
            continue
        try:
            check(act, facts, role, receiving_office=receiving_office, reason="-")
        except (WorkflowError, NotAllowed):
            continue
        acts.append(act)
    return acts
