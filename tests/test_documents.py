"""Printed notices: numbered per kind and year, issued once, at the right stage by the right role,
stored as issued, in the case's history, and readable Chinese text."""

import shutil
import subprocess
from datetime import date

import pytest
from sqlmodel import select

from components.notice_pdf import notice_pdf
from data.errors import NotAllowed, WorkflowError
from data.models import AuditEvent, CaseEvent, CaseStatus, Role
from data.queries.cases import get_case_detail
from data.queries.users import get_user_scope
from data.services import cases as svc
from data.services.common import Actor
from data.services.documents import issue_document
from tests.factories import make_case, make_city, make_employer, make_users

TODAY = date(2026, 11, 20)


def pdf_text(body: bytes) -> str:
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext missing: scripts/test.sh installs poppler-utils")
    return subprocess.run(["pdftotext", "-", "-"], input=body, capture_output=True, check=True).stdout.decode()


@pytest.fixture
def world(session):
    city = make_city(session)
    users = make_users(session, city, a=(Role.case_officer, "a"), b=(Role.case_officer, "b"),
                       leader=(Role.leader, "city"))
    actors = {k: Actor(id=u.id, username=u.username, role=Role(u.role),
                       scope=get_user_scope(session, user_id=u.id)) for k, u in users.items()}
    employer = make_employer(session, name="青山建筑劳务有限公司")
    cases = [make_case(session, township=city["town_a"], county=city["a"], employer_id=employer.id,
                       status=CaseStatus.investigating, complainant_name="李四") for _ in range(2)]
    return {"city": city, "actors": actors, "cases": cases}


def test_numbered_per_kind_and_year_issued_once(session, world):
    a = world["actors"]["a"]
    first, second = world["cases"]
    doc1 = issue_document(session, actor=a, case_id=first.id, kind="accept_notice", today=TODAY, render=notice_pdf)
    doc2 = issue_document(session, actor=a, case_id=second.id, kind="accept_notice", today=TODAY, render=notice_pdf)
    order = issue_document(session, actor=a, case_id=first.id, kind="rectify_order", today=TODAY, render=notice_pdf)
    assert (doc1.doc_no, doc2.doc_no, order.doc_no) == ("示人社监受〔2026〕1号", "示人社监受〔2026〕2号",
                                                        "示人社监令〔2026〕1号")
    again = issue_document(session, actor=a, case_id=first.id, kind="accept_notice", today=TODAY, render=notice_pdf)
    assert again.id == doc1.id  # printed again: the stored copy, no new number
    next_year = issue_document(session, actor=a, case_id=second.id, kind="rectify_order", today=date(2027, 1, 4),
                               render=notice_pdf)
    assert next_year.doc_no == "示人社监令〔2027〕1号"
    detail = get_case_detail(session, scope=a.scope, case_id=first.id, today=TODAY)
    assert [d["doc_no"] for d in detail["documents"]] == [doc1.doc_no, order.doc_no]
    kinds = session.exec(select(CaseEvent.kind).where(CaseEvent.case_id == first.id)).all()
    assert kinds.count("document_issued") == 2
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "case.document_issued")).all()


def test_stage_role_and_regions(session, world):
    a, b, leader = (world["actors"][k] for k in ("a", "b", "leader"))
    case = world["cases"][0]
    with pytest.raises(WorkflowError):  # investigating: not refused, so no refusal notice
        issue_document(session, actor=a, case_id=case.id, kind="reject_notice", today=TODAY, render=notice_pdf)
    with pytest.raises(NotAllowed):  # another county's office
        issue_document(session, actor=b, case_id=case.id, kind="accept_notice", today=TODAY, render=notice_pdf)
    with pytest.raises(NotAllowed):  # the holding office's notices are the office's
        issue_document(session, actor=leader, case_id=case.id, kind="accept_notice", today=TODAY, render=notice_pdf)
    with pytest.raises(WorkflowError):  # not supervised yet
        issue_document(session, actor=leader, case_id=case.id, kind="supervision_notice", today=TODAY,
                       render=notice_pdf)
    svc.supervise_case(session, actor=leader, case_id=case.id, reason="金额大", today=TODAY)
    notice = issue_document(session, actor=leader, case_id=case.id, kind="supervision_notice", today=TODAY,
                            render=notice_pdf)
    assert notice.doc_no == "示人社督〔2026〕1号"


def test_the_pdf_reads_as_the_notice(session, world):
    a = world["actors"]["a"]
    case = world["cases"][0]
    doc = issue_document(session, actor=a, case_id=case.id, kind="rectify_order", today=TODAY, render=notice_pdf)
    text = "".join(pdf_text(doc.pdf).split())
    for expected in ("示范市人力资源和社会保障局", "劳动保障监察限期整改指令书", "示人社监令〔2026〕1号",
                     "青山建筑劳务有限公司", "12名劳动者", "360,000.00元", "（盖章处）", case.case_no):
        assert expected in text, expected
