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
