"""The columns each import understands: fixed English names and their Chinese headers."""

from __future__ import annotations

from receivables.files.tables import Column

COMPANY = Column("company", ("公司", "债权人", "我方公司", "creditor"), required=False)

DEBTOR_COLUMNS = (
    Column("code", ("客户编码", "客户代码", "债务人编码", "debtor_code", "customer_code")),
    Column("name", ("客户名称", "债务人名称", "单位名称", "debtor_name", "customer_name")),
    Column("credit_code", ("统一社会信用代码", "信用代码", "unified_social_credit_code"), required=False),
    Column("address", ("地址", "注册地址", "registered_address"), required=False),
    Column("segment", ("客户分类", "行业", "分类", "segment"), required=False),
)

CONTRACT_COLUMNS = (
    Column("debtor", ("客户编码", "客户代码", "债务人编码", "debtor_code")),
    Column("number", ("合同编号", "合同号", "contract_number", "contract_no")),
    Column("title", ("合同名称", "项目名称"), required=False),
    Column("kind", ("合同类型", "类型"), required=False),
    Column("amount", ("合同金额", "金额"), required=False),
    Column("currency", ("币种", "货币"), required=False),
    Column("signed_on", ("签订日期", "签约日期"), required=False),
    Column("payment_terms_days", ("付款期限", "账期", "账期天数", "付款期限天数"), required=False),
    COMPANY,
)

INVOICE_COLUMNS = (
    Column("debtor", ("客户编码", "客户代码", "债务人编码", "debtor_code")),
    Column("number", ("发票号", "发票号码", "单据号", "invoice_number", "invoice_no")),
    Column("issue_date", ("开票日期", "单据日期", "invoice_date")),
    Column("due_date", ("到期日", "到期日期", "应收日期"), required=False),
    Column("amount", ("金额", "发票金额", "价税合计")),
    Column("currency", ("币种", "货币"), required=False),
    Column("contract", ("合同编号", "合同号", "contract_number"), required=False),
    Column("kind", ("类型", "单据类型", "款项类型"), required=False),
    COMPANY,
)

PAYMENT_COLUMNS = (
    Column("debtor", ("客户编码", "客户代码", "债务人编码", "debtor_code")),
    Column("reference", ("回款单号", "收款单号", "流水号", "银行流水号", "payment_reference")),
    Column("date", ("回款日期", "收款日期", "到账日期", "payment_date")),
    Column("amount", ("回款金额", "收款金额", "金额")),
    Column("currency", ("币种", "货币"), required=False),
    Column("applies_to", ("核销发票", "对应发票", "发票号"), required=False),
    COMPANY,
)

CONTACT_COLUMNS = (
    Column("debtor", ("客户编码", "客户代码", "债务人编码", "debtor_code")),
    Column("name", ("姓名", "联系人", "联系人姓名", "contact_name")),
    Column("role", ("角色", "职能", "contact_role")),
    Column("title", ("职务", "职位", "头衔"), required=False),
    Column("department", ("部门",), required=False),
    Column("phone", ("电话", "手机", "联系电话"), required=False),
    Column("email", ("邮箱", "电子邮件", "电子邮箱", "e-mail"), required=False),
    Column("address", ("地址", "通讯地址", "邮寄地址"), required=False),
    Column("stance", ("态度", "立场", "配合程度"), required=False),
    Column("reports_to", ("上级", "直属上级", "汇报对象"), required=False),
    Column("decision_maker", ("决策人", "是否决策人", "付款审批人"), required=False),
    Column("active", ("在职", "是否在职", "有效"), required=False),
)
