"""The interface's words in Chinese and English, and dates and amounts written the way each reader expects."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

DEFAULT_LOCALE = "zh"

MESSAGES: dict[str, tuple[str, str]] = {
    # key: (zh, en)
    "app": ("应收账款", "Receivables"),
    "dashboard": ("总览", "Dashboard"),
    "debtors": ("客户", "Debtors"),
    "api_docs": ("接口文档", "API"),
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出", "Sign out"),
    "user_name": ("用户名", "User name"),
    "password": ("密码", "Password"),
    "wrong_credentials": ("用户名或密码错误", "Wrong user name or password"),
    "throttled": ("登录失败次数过多，请 {seconds} 秒后再试", "Too many failed sign-ins; try again in {seconds} s"),
    "language": ("语言", "Language"),
    "as_of": ("截至", "As of"),
    "aging": ("账龄分布", "Aging by bucket"),
    "dso_trend": ("DSO 近12个月趋势（天）", "DSO over the last 12 months (days)"),
    "open_total": ("未清余额", "Open"),
    "overdue_total": ("逾期金额", "Overdue"),
    "currency": ("币种", "Currency"),
    "top_overdue": ("逾期金额最大的 10 家客户", "10 largest overdue debtors"),
    "promises_due_today": ("今日到期的付款承诺", "Promises due today"),
    "promises_broken_week": ("本周违约的付款承诺", "Promises broken this week"),
    "none": ("无", "None"),
    "search": ("搜索", "Search"),
    "search_hint": ("编号、名称、信用代码、联系人", "Code, name, credit code, contact"),
    "bucket": ("账龄段", "Bucket"),
    "status": ("状态", "Status"),
    "segment": ("行业", "Segment"),
    "all": ("全部", "All"),
    "filter": ("筛选", "Filter"),
    "code": ("编号", "Code"),
    "name": ("名称", "Name"),
    "credit_code": ("统一社会信用代码", "Credit code"),
    "open": ("未清", "Open"),
    "overdue": ("逾期", "Overdue"),
    "oldest_due": ("最早到期", "Oldest due"),
    "on_hold": ("信用冻结", "Credit hold"),
    "yes": ("是", "Yes"),
    "no": ("否", "No"),
    "previous": ("上一页", "Previous"),
    "next": ("下一页", "Next"),
    "page_of": ("第 {page} / {pages} 页，共 {total} 条", "Page {page} of {pages}, {total} rows"),
    "balance": ("余额", "Balance"),
    "credit_on_account": ("预收/多付", "Credit on account"),
    "dso": ("DSO（天）", "DSO (days)"),
    "oldest_item": ("最早逾期项", "Oldest overdue item"),
    "open_items": ("未清项目", "Open items"),
    "payments": ("回款", "Payments"),
    "contacts": ("联系人", "Contacts"),
    "timeline": ("时间线", "Timeline"),
    "promises": ("付款承诺", "Promises"),
    "number": ("单号", "Number"),
    "kind": ("类型", "Kind"),
    "contract": ("合同", "Contract"),
    "issued": ("开票日", "Issued"),
    "due": ("到期日", "Due"),
    "amount": ("金额", "Amount"),
    "days_past_due": ("逾期天数", "Days past due"),
    "reference": ("流水号", "Reference"),
    "received": ("到账日", "Received"),
    "unapplied": ("未核销", "Unapplied"),
    "reversed": ("已退回", "Reversed"),
    "role": ("角色", "Role"),
    "title": ("职务", "Title"),
    "phone": ("电话", "Phone"),
    "email": ("邮箱", "Email"),
    "stance": ("态度", "Stance"),
    "date": ("日期", "Date"),
    "what": ("事项", "What"),
    "record_promise": ("记录付款承诺", "Record a promise"),
    "promised_on": ("承诺付款日", "Promised for"),
    "note": ("备注", "Note"),
    "save": ("保存", "Save"),
    "saved_promise": ("付款承诺已记录", "Promise recorded"),
    "org_chart": ("组织架构图（红框：催款函送达路径）", "Organization chart (red: who a demand letter reaches)"),
    "add_contact": ("新增联系人", "Add a contact"),
    "edit_contact": ("修改联系人", "Edit a contact"),
    "contact": ("联系人", "Contact"),
    "department": ("部门", "Department"),
    "mobile": ("手机", "Mobile"),
    "stance": ("态度", "Stance"),
    "reports_to": ("上级", "Reports to"),
    "active": ("在职", "Active"),
    "log_interaction": ("记录沟通", "Log an interaction"),
    "channel": ("方式", "Channel"),
    "direction": ("方向", "Direction"),
    "outbound": ("我方联系", "Outbound"),
    "inbound": ("对方来电/来函", "Inbound"),
    "at_time": ("时间", "When"),
    "summary": ("内容摘要", "Summary"),
    "outcome": ("结果", "Outcome"),
    "next_step": ("下一步", "Next step"),
    "next_step_on": ("下一步日期", "Next step on"),
    "override_reason": ("超出联系规则的理由", "Reason to override the contact rules"),
    "disputes": ("争议", "Disputes"),
    "open_dispute": ("登记争议", "Open a dispute"),
    "items_comma": ("争议单据号（逗号分隔）", "Disputed item numbers (comma separated)"),
    "reason": ("理由", "Reason"),
    "resolve": ("结案", "Resolve"),
    "resolution": ("处理结果", "Resolution"),
    "opened": ("登记于", "Opened"),
    "letters": ("函件", "Letters"),
    "hold": ("暂停催收", "Hold"),
    "release": ("恢复催收", "Release"),
    "held": ("已暂停", "on hold"),
    "hold_item": ("单据暂停/恢复催收", "Hold an item out of dunning, or release it"),
    "saved_contacts": ("联系人已保存", "Contact saved"),
    "saved_interactions": ("沟通记录已保存", "Interaction logged"),
    "saved_disputes": ("争议已保存", "Dispute saved"),
    "saved_open-items": ("暂停状态已更新", "Hold updated"),
    "saved_promises": ("付款承诺已记录", "Promise recorded"),
    "debtor": ("客户", "Debtor"),
    "address": ("地址", "Address"),
    "legal_representative": ("法定代表人", "Legal representative"),
    "not_found": ("未找到", "Not found"),
    "forbidden": ("无权限", "Not allowed"),
    "no_rows": ("没有符合条件的记录", "No matching rows"),
    "risk": ("风险", "Risk"),
    "current": ("未到期", "Current"),
    "endpoints": ("接口列表", "Endpoints"),
    "api_intro": ("以 Bearer 令牌调用（receivables token create）；OpenAPI 描述：",
                  "Call with a bearer token (receivables token create); OpenAPI description: "),
}


def translator(locale: str) -> Callable[..., str]:
    """t(key, **values): the message in `locale` (the key itself when the catalogue lacks it)."""
    index = 1 if locale == "en" else 0

    def t(key: str, **values: object) -> str:
        entry = MESSAGES.get(key)
        text = entry[index] if entry else key
        return text.format(**values) if values else text
    return t


def format_amount(amount: Decimal | None, locale: str = DEFAULT_LOCALE) -> str:
    """Thousands separated, two decimals, exactly (both locales group by thousands with commas)."""
    if amount is None:
        return "–"
    return f"{amount:,.2f}"


def format_date(day: date | None, locale: str = DEFAULT_LOCALE) -> str:
    """2026年3月5日 in Chinese, 2026-03-05 (ISO 8601) in English."""
    if day is None:
        return "–"
    if locale == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return day.isoformat()
