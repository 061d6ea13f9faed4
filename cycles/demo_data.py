"""Realistic demo content: FR Y-14 and call-report attributes."""

REPORTS = [
    ("FR Y-14Q Schedule H.1 Corporate Loans", "FR Y-14Q"),
    ("FFIEC 031 Schedule RC-C Loans and Leases", "FFIEC 031"),
    ("FR Y-14M Domestic First Lien Closed-end", "FR Y-14M"),
    ("FR Y-9C Schedule HC-R Regulatory Capital", "FR Y-9C"),
    ("FR 2052a Complex Institution Liquidity", "FR 2052a"),
]

# name, data type, primary key, CDE, historical issues, mandatory, description
ATTRIBUTES = [
    ("Internal Credit Facility ID", "string", True, True, False, True, "Bank's unique identifier of the credit facility."),
    ("Obligor Internal ID", "string", True, True, False, True, "Unique identifier of the obligor in the bank's systems."),
    ("Reporting Date", "date", True, False, False, True, "As-of date of the reported position."),
    ("Committed Exposure Global", "decimal", False, True, True, True, "Total committed credit exposure across the bank."),
    ("Utilized Exposure Global", "decimal", False, True, False, True, "Outstanding drawn balance across the bank."),
    ("Obligor Name", "string", False, False, False, True, "Legal name of the obligor."),
    ("Credit Facility Type", "code", False, True, False, True, "Revolver, term loan, standby letter of credit, ..."),
    ("Credit Facility Purpose", "code", False, False, True, False, "Purpose code of the facility."),
    ("Interest Rate Variability", "code", False, False, False, True, "Fixed, floating or mixed."),
    ("Interest Rate", "decimal", False, False, True, True, "Current all-in interest rate."),
    ("Origination Date", "date", False, False, False, True, "Date the facility was originated."),
    ("Maturity Date", "date", False, True, True, True, "Contractual maturity date."),
    ("Obligor Internal Risk Rating", "code", False, True, True, True, "Bank's internal rating of the obligor."),
    ("Probability of Default", "decimal", False, True, False, False, "Annual PD used for capital."),
    ("Loss Given Default", "decimal", False, True, False, False, "LGD used for capital."),
    ("Exposure at Default", "decimal", False, False, False, False, "EAD used for capital."),
    ("Collateral Market Value", "decimal", False, False, True, False, "Current market value of collateral."),
    ("Lien Position", "code", False, False, False, False, "First lien, second lien, unsecured."),
    ("Country", "code", False, False, False, True, "Country of the obligor's domicile (ISO 3166)."),
    ("Zip Code", "string", False, False, True, False, "Postal code of the obligor."),
    ("Industry Code (NAICS)", "code", False, False, True, True, "North American Industry Classification System code."),
    ("Line of Business", "string", False, False, False, False, "Internal line of business owning the facility."),
    ("Guarantor Flag", "boolean", False, False, False, False, "Whether a guarantor supports the facility."),
    ("Participation Flag", "code", False, False, False, False, "Participation or syndication status."),
    ("Days Past Due", "integer", False, True, True, True, "Days the oldest payment is past due."),
    ("Non-Accrual Date", "date", False, False, True, False, "Date the facility was placed on non-accrual."),
    ("Charge-off Amount", "decimal", False, True, False, False, "Cumulative charge-offs."),
    ("Recovery Amount", "decimal", False, False, False, False, "Cumulative recoveries."),
    ("Syndicated Loan Flag", "boolean", False, False, False, False, "Whether the loan is syndicated."),
    ("Lease Financing Flag", "boolean", False, False, False, False, "Whether the facility is a lease."),
    ("Cumulative Charge-offs Current Quarter", "decimal", False, False, False, False, "Charge-offs booked this quarter."),
    ("SNC Internal Credit ID", "string", False, False, False, False, "Shared National Credit identifier."),
    ("Entity Type", "code", False, False, False, True, "Legal entity type of the obligor."),
    ("Stock Exchange", "code", False, False, False, False, "Exchange where the obligor's stock trades."),
    ("Tax ID", "string", False, True, True, False, "Obligor's tax identification number."),
    ("Credit Line Closed Flag", "boolean", False, False, False, False, "Whether the line is closed to new draws."),
    ("Prepayment Penalty Flag", "boolean", False, False, False, False, "Whether a prepayment penalty applies."),
    ("Amortization Type", "code", False, False, False, False, "Amortizing, balloon, interest only."),
    ("Currency", "code", False, False, False, True, "Currency of the facility (ISO 4217)."),
    ("Specific Reserve", "decimal", False, True, True, False, "Allowance specifically reserved for the facility."),
]

# Issue 13, part 7: each report has attributes of its own; a call report's
# schedule is not an FR Y-14Q loan file. Same tuple shape as ATTRIBUTES.
CALL_REPORT_RC_C = [
    ("RC-C Line Item Code", "code", True, True, False, True, "Schedule RC-C Part I line (e.g. 1.a.(1), 4.a)."),
    ("Reporting Date", "date", True, False, False, True, "Quarter-end date of the report."),
    ("Consolidated Entity RSSD ID", "string", True, True, False, True, "Federal Reserve RSSD ID of the reporting bank."),
    ("Loans Secured by Real Estate", "decimal", False, True, True, True, "Column B amount of item 1, in thousands of dollars."),
    ("Construction and Land Development Loans", "decimal", False, True, False, True, "Item 1.a, in thousands of dollars."),
    ("Commercial and Industrial Loans", "decimal", False, True, True, True, "Item 4.a, U.S. addressees."),
    ("Loans to Individuals: Credit Cards", "decimal", False, False, False, True, "Item 6.a."),
    ("Loans to Individuals: Automobile Loans", "decimal", False, False, True, True, "Item 6.c."),
    ("Loans to Foreign Governments", "decimal", False, False, False, False, "Item 7."),
    ("Obligations of States and Political Subdivisions", "decimal", False, False, False, True, "Item 8."),
    ("Lease Financing Receivables", "decimal", False, False, False, True, "Item 10."),
    ("Unearned Income on Loans", "decimal", False, False, True, True, "Item 11, deducted from total loans."),
    ("Total Loans and Leases", "decimal", False, True, True, True, "Item 12: must equal Schedule RC item 4.a plus 4.b."),
    ("Domestic or Foreign Office", "code", False, False, False, True, "Column A (consolidated) or B (domestic offices)."),
]
FR_Y14M_FIRST_LIEN = [
    ("Loan Number", "string", True, True, False, True, "Unique loan identifier, constant over the loan's life."),
    ("Reporting Month", "date", True, False, False, True, "Month end of the loan-level record."),
    ("Original Loan Amount", "decimal", False, True, False, True, "Principal at origination."),
    ("Unpaid Principal Balance", "decimal", False, True, True, True, "Current UPB at month end."),
    ("Original LTV", "decimal", False, True, True, True, "Loan-to-value ratio at origination."),
    ("Current Credit Score", "integer", False, True, True, False, "Most recent refreshed borrower credit score."),
    ("Property State", "code", False, False, False, True, "Two-letter state of the property."),
    ("Property Zip Code", "string", False, False, True, True, "Five-digit zip code of the property."),
    ("Occupancy", "code", False, False, False, True, "Owner-occupied, second home, investor."),
    ("Interest Type", "code", False, False, False, True, "Fixed, ARM, step."),
    ("Current Interest Rate", "decimal", False, False, True, True, "Note rate at month end."),
    ("Delinquency Status", "code", False, True, True, True, "Current, 30, 60, 90+ days past due."),
    ("Foreclosure Status", "code", False, False, True, False, "Referral, sale scheduled, REO."),
    ("Modification Flag", "boolean", False, False, True, False, "Whether the loan was modified."),
    ("Investor Type", "code", False, False, False, True, "Portfolio, GSE, private-label."),
]
FR_Y9C_HC_R = [
    ("HC-R Line Item Code", "code", True, True, False, True, "Schedule HC-R Part I or II line."),
    ("Reporting Date", "date", True, False, False, True, "Quarter-end date of the report."),
    ("Common Stock and Related Surplus", "decimal", False, True, False, True, "Item 1, net of treasury stock."),
    ("Retained Earnings", "decimal", False, True, True, True, "Item 2."),
    ("Accumulated Other Comprehensive Income", "decimal", False, True, True, True, "Item 3 (AOCI)."),
    ("Goodwill Net of Deferred Tax Liabilities", "decimal", False, True, False, True, "Item 6, deducted."),
    ("Common Equity Tier 1 Capital", "decimal", False, True, True, True, "Item 19."),
    ("Additional Tier 1 Capital", "decimal", False, False, False, True, "Item 25."),
    ("Tier 2 Capital", "decimal", False, False, True, True, "Item 42."),
    ("Total Risk-Weighted Assets", "decimal", False, True, True, True, "Item 47 (standardized approach)."),
    ("Common Equity Tier 1 Capital Ratio", "decimal", False, True, True, True, "Item 48, percent."),
    ("Leverage Ratio", "decimal", False, True, False, True, "Item 49, percent."),
    ("Capital Conservation Buffer", "decimal", False, False, False, True, "Item 52, percent."),
]
FR_2052A = [
    ("Product Table", "code", True, True, False, True, "Inflows, outflows, supplemental: the table of the record."),
    ("Product Code", "code", True, True, False, True, "e.g. I.A.1 unencumbered assets, O.D.1 retail deposits."),
    ("As-of Date", "date", True, False, False, True, "Business day the positions are reported for."),
    ("Reporting Entity", "code", True, True, False, True, "The FR 2052a reporting entity."),
    ("Currency", "code", False, False, False, True, "ISO 4217 currency of the position."),
    ("Maturity Bucket", "code", False, True, True, True, "Open, day 1 ... >5 years."),
    ("Market Value", "decimal", False, True, True, True, "Market value of the position."),
    ("Maturity Amount", "decimal", False, True, True, True, "Amount maturing in the bucket."),
    ("Collateral Class", "code", False, True, True, False, "Level 1, 2A, 2B or non-HQLA collateral."),
    ("Counterparty", "code", False, False, True, True, "Retail, non-financial corporate, bank, ..."),
    ("Encumbrance Type", "code", False, False, False, False, "Securities financing, derivatives, ..."),
    ("Treasury Control Flag", "boolean", False, False, False, True, "Whether treasury controls the asset."),
    ("Internal Flag", "boolean", False, False, True, True, "Whether the counterparty is an affiliate."),
]
# By regulation (REPORTS' second field); unknown ones use the FR Y-14Q list.
ATTRIBUTES_BY_REGULATION = {
    "FR Y-14Q": ATTRIBUTES,
    "FFIEC 031": CALL_REPORT_RC_C,
    "FR Y-14M": FR_Y14M_FIRST_LIEN,
    "FR Y-9C": FR_Y9C_HC_R,
    "FR 2052a": FR_2052A,
}


def attributes_for(regulation: str) -> list[tuple]:
    return ATTRIBUTES_BY_REGULATION.get(regulation, ATTRIBUTES)
