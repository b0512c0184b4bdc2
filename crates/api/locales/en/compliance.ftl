# issue 12: reporting compliance
compliance-period-format = a period is named as reports name it: 2025-03 (month), 2025-Q1 (quarter), 2025-H1 (half-year) or 2025 (year), years 1900–2100
compliance-period-or-milestone = give exactly one of `period` and `milestoneId`
compliance-not-a-deadline = the milestone is not a reporting deadline (REPORTING_DEADLINE)
