"""The payment gateways iSeller's GetTransactionSummary totals under their own key (I-38);
merchant-defined methods (gateway ``custom``) are totalled per name. Read by the client, which
parses the summaries, and by the completeness check, which compares with them."""

SUMMARY_GATEWAYS = (
    "cash",
    "external_debit",
    "external_credit",
    "gift_card",
    "iseller_pay",
    "points",
    "store_credit",
    "account_balance",
)
CUSTOM = "custom"
